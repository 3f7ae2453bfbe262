#!/bin/bash
# Builds the Temporal CLI (the dev server with SQLite and the Web UI) once and caches it outside the
# repository. v1.5.1 is the newest tag that `go install pkg@version` accepts: later tags carry a
# `replace` directive in go.mod, which go install refuses.
# Prints the binary's path.
set -euo pipefail

VERSION=v1.5.1
BIN_DIR="${VMBACKUP_CACHE:-/var/cache/vmbackup}/bin"
BIN="$BIN_DIR/temporal"
STAMP="$BIN_DIR/temporal.version"

if [[ -x "$BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$VERSION" ]]; then
  echo "$BIN"
  exit 0
fi
if ! command -v go >/dev/null; then
  if [[ -x /usr/local/go/bin/go ]]; then
    export PATH="$PATH:/usr/local/go/bin"
  else
    echo "install-temporal-cli: Go is needed to build the Temporal CLI (go install)" >&2
    exit 1
  fi
fi
mkdir -p "$BIN_DIR"
echo "install-temporal-cli: building temporal CLI $VERSION (a few minutes, once)" >&2
GOBIN="$BIN_DIR" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$VERSION" >&2
echo "$VERSION" >"$STAMP"
echo "$BIN"
