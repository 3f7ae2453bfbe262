#!/bin/bash
# Runs every test of vmbackup on this machine: workflow tests, activity tests against the real
# libvirtd and test guest, and end-to-end tests against the real Temporal dev server. Installs what it
# needs first (libvirt, QEMU, the test guest, the Temporal CLI, Java and Maven), caching outside the
# repository. Extra arguments go to Maven, e.g. -Dtest=RestoreE2ETest -Dsurefire.failIfNoSpecifiedTests=false
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "run-tests: $*" >&2; }

missing=()
command -v java >/dev/null || missing+=(openjdk-17-jdk-headless)
command -v mvn >/dev/null || missing+=(maven)
# The Web UI test drives Debian's Chromium with Playwright (it cannot download a browser here).
command -v chromium >/dev/null || missing+=(chromium)
command -v node >/dev/null || missing+=(nodejs npm)
if ((${#missing[@]})); then
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

scripts/prepare-host.sh
TEMPORAL_CLI="$(scripts/install-temporal-cli.sh)"
export VMBACKUP_TEMPORAL_CLI="$TEMPORAL_CLI"
VMBACKUP_VERSITYGW="$(scripts/install-versitygw.sh)"
export VMBACKUP_VERSITYGW VMBACKUP_S3_REQUIRED=1
# PythonCallerE2ETest starts a backup from Python (temporalio from PyPI), as another service would.
VMBACKUP_PYTHON_CALLER="$(scripts/install-python-callers.sh)"
export VMBACKUP_PYTHON_CALLER VMBACKUP_PYTHON_CALLER_REQUIRED=1
NODE_DIR="${VMBACKUP_CACHE:-/var/cache/vmbackup}/node"
if [[ ! -d "$NODE_DIR/node_modules/playwright-core" ]]; then
  log "installing playwright-core into $NODE_DIR"
  mkdir -p "$NODE_DIR"
  (cd "$NODE_DIR" && { [[ -f package.json ]] || npm init -y >/dev/null; } && npm install --no-audit --no-fund playwright-core@1.64.1 >/dev/null)
fi
export VMBACKUP_PLAYWRIGHT="$NODE_DIR/node_modules/playwright-core"

# Test domains and scratch files of an earlier run that was killed are removed first, so that they
# cannot disturb this one. Only names the tests create (vmbt-*) are touched.
for domain in $(virsh -c qemu:///system list --all --name | grep '^vmbt-' || true); do
  virsh -c qemu:///system destroy "$domain" >/dev/null 2>&1 || true
  virsh -c qemu:///system undefine "$domain" --nvram --checkpoints-metadata --snapshots-metadata >/dev/null 2>&1 || true
done
{ grep ' /var/tmp/vmbackup-tests/' /proc/mounts || true; } | awk '{print $2}' | sort -r | while read -r mount; do
  umount "$(printf '%b' "$mount")" || true
done
rm -rf /var/tmp/vmbackup-tests

log "checking the container and service files"
docker/check.sh

log "running the tests"
mvn -B -ntp verify "$@"

# A full run (no Maven arguments) also proves that a new user's first command builds from a clean clone
# whose Maven repository holds none of vmbackup's own artifacts. It runs last, when ~/.m2 already holds
# every third-party artifact, so that it costs a build and no downloads.
if (($# == 0)); then
  scripts/check-clean-build.sh
fi
