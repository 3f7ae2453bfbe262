#!/bin/bash
# Builds versitygw (an Apache-2.0 S3-compatible server that keeps buckets as directories) once and
# caches it outside the repository, so that the store's S3 tests talk to a real server process over
# HTTP rather than to an in-process fake. v1.8.0 builds with `go install` (its go.mod has no `replace`).
# Prints the binary's path.
set -euo pipefail
exec "$(dirname "$0")/go-install.sh" versitygw github.com/versity/versitygw/cmd/versitygw v1.8.0
