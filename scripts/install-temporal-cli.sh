#!/bin/bash
# Builds the Temporal CLI (the dev server with SQLite and the Web UI) once and caches it outside the
# repository. v1.5.1 is the newest tag that `go install pkg@version` accepts: later tags carry a
# `replace` directive in go.mod, which go install refuses.
# Prints the binary's path.
set -euo pipefail
exec "$(dirname "$0")/go-install.sh" temporal github.com/temporalio/cli/cmd/temporal v1.5.1
