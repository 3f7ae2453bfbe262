#!/bin/bash
# scripts/go-install.sh NAME PACKAGE VERSION: builds a Go command once with `go install PACKAGE@VERSION`
# into the cache outside the repository (rebuilt only when VERSION changes) and prints the binary's path.
# Shared by the installers of the tools the tests run as real processes (the Temporal CLI, versitygw).
set -euo pipefail

NAME="$1"
PACKAGE="$2"
VERSION="$3"
BIN_DIR="${VMBACKUP_CACHE:-/var/cache/vmbackup}/bin"
BIN="$BIN_DIR/$NAME"
STAMP="$BIN_DIR/$NAME.version"

if [[ -x "$BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$VERSION" ]]; then
  echo "$BIN"
  exit 0
fi
if ! command -v go >/dev/null; then
  if [[ -x /usr/local/go/bin/go ]]; then
    export PATH="$PATH:/usr/local/go/bin"
  else
    echo "go-install: Go is needed to build $NAME (go install)" >&2
    exit 1
  fi
fi
mkdir -p "$BIN_DIR"
echo "go-install: building $NAME $VERSION (once; a minute or more)" >&2
GOBIN="$BIN_DIR" GOFLAGS=-mod=mod go install "$PACKAGE@$VERSION" >&2
echo "$VERSION" >"$STAMP"
echo "$BIN"
