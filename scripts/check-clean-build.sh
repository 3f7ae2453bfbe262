#!/bin/bash
# Proves that a new user's first command builds: clones the repository's committed HEAD into a temporary
# directory and runs `./vmbackup --help` there with a local Maven repository that holds every third-party
# artifact this machine already downloaded but none of vmbackup's own (dev/vmbackup). A build that only
# works because an earlier full build left the project's jars in ~/.m2 fails here, as it would for a
# user. Exits non-zero, naming the build log, if the build fails.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { echo "check-clean-build: $*" >&2; }

source_repo="${MAVEN_REPO_LOCAL:-$HOME/.m2/repository}"
work="$(mktemp -d /var/tmp/vmbackup-clean-build.XXXXXX)"
trap 'rm -rf "$work"' EXIT

if [[ -n "$(git status --porcelain --untracked-files=no)" ]]; then
  log "note: uncommitted changes are not part of this check; it builds the committed HEAD"
fi
git clone -q --no-hardlinks "$PWD" "$work/vmbackup"

# Hard links make the seeded repository cheap; Maven replaces files by renaming new ones into place, so
# it never writes through a link into the original. The project's own artifacts are left out.
mkdir -p "$work/m2"
if [[ -d "$source_repo" ]]; then
  cp -al "$source_repo/." "$work/m2/"
fi
rm -rf "$work/m2/dev/vmbackup"

log "building a clean clone with no vmbackup artifacts in its Maven repository"
if ! output="$(cd "$work/vmbackup" && MAVEN_OPTS="${MAVEN_OPTS:-} -Dmaven.repo.local=$work/m2" ./vmbackup --help 2>&1)"; then
  echo "$output" >&2
  [[ -f "$work/vmbackup/starter/build.log" ]] && tail -40 "$work/vmbackup/starter/build.log" >&2
  log "FAILED: ./vmbackup does not build from a clean clone"
  exit 1
fi
if ! grep -q 'Usage: vmbackup' <<<"$output"; then
  echo "$output" >&2
  log "FAILED: ./vmbackup --help did not print its usage"
  exit 1
fi
log "ok: a clean clone builds and runs ./vmbackup --help"
