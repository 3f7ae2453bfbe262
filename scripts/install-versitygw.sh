#!/bin/bash
# Builds versitygw (an Apache-2.0 S3-compatible server that keeps buckets as directories) once and
# caches it outside the repository, so that the store's S3 tests talk to a real server process over
# HTTP rather than to an in-process fake. v1.8.0 builds with `go install` (its go.mod has no `replace`).
# Prints the binary's path.
set -euo pipefail

VERSION=v1.8.0
BIN_DIR="${VMBACKUP_CACHE:-/var/cache/vmbackup}/bin"
BIN="$BIN_DIR/versitygw"
STAMP="$BIN_DIR/versitygw.version"

if [[ -x "$BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$VERSION" ]]; then
  echo "$BIN"
  exit 0
fi
if ! command -v go >/dev/null; then
  if [[ -x /usr/local/go/bin/go ]]; then
    export PATH="$PATH:/usr/local/go/bin"
  else
    echo "install-versitygw: Go is needed to build versitygw (go install)" >&2
    exit 1
  fi
fi
mkdir -p "$BIN_DIR"
echo "install-versitygw: building versitygw $VERSION (about a minute, once)" >&2
GOBIN="$BIN_DIR" GOFLAGS=-mod=mod go install "github.com/versity/versitygw/cmd/versitygw@$VERSION" >&2
echo "$VERSION" >"$STAMP"
echo "$BIN"
