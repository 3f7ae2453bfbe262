#!/bin/bash
# Builds the vmbackup jar of one commit of this repository (what ./vmbackup builds: starter/target/
# vmbackup.jar and the lib/ its manifest names) into a cache outside the repository,
# ${VMBACKUP_CACHE:-/var/cache/vmbackup}/builds/<full commit hash>/, from a copy of that commit (git
# archive) in a temporary directory that is removed afterwards; the checkout is never touched. For running
# an earlier build beside the current one, as a rolling upgrade does (RollingUpgradeE2ETest).
#
# Idempotent: a jar already built for the commit is reused. Prints the jar's path as the last line of
# stdout. Maven runs without -o: offline when its local repository already has every artifact, online for
# whatever it lacks. Usage: scripts/build-commit-jar.sh COMMIT
set -euo pipefail

die() { echo "build-commit-jar: $*" >&2; exit 1; }

(($# == 1)) || die "usage: $0 COMMIT (a commit of this repository, e.g. 2c3619e)"
cd "$(dirname "$0")/.."
command -v git >/dev/null || die "needs git"
command -v mvn >/dev/null || die "needs Maven (apt-get install maven)"
commit="$(git rev-parse --verify --quiet "$1^{commit}")" || die "'$1' is not a commit of $PWD"
builds="${VMBACKUP_CACHE:-/var/cache/vmbackup}/builds"
dir="$builds/$commit"
jar="$dir/vmbackup.jar"
if [[ -f "$jar" ]]; then
  echo "$jar"
  exit 0
fi

mkdir -p "$builds" 2>/dev/null || die "cannot create $builds (set VMBACKUP_CACHE to a writable directory)"
# One build of a commit at a time: two test JVMs may ask at once. The lock goes with the process holding it.
if command -v flock >/dev/null; then
  exec 9>"$dir.lock"
  flock 9
  if [[ -f "$jar" ]]; then
    echo "$jar"
    exit 0
  fi
fi

work="$(mktemp -d "${TMPDIR:-/var/tmp}/vmbackup-build-${commit:0:12}.XXXXXX")"
staged="$dir.$$.tmp"
trap 'rm -rf "$work" "$staged"' EXIT
mkdir "$work/src"
git archive --format=tar "$commit" | tar -x -C "$work/src"

log="$builds/$commit.build.log"
echo "build-commit-jar: building ${commit:0:12} (log: $log)" >&2
if ! (cd "$work/src" && mvn -q -B -Dmaven.test.skip=true -pl starter -am package) >"$log" 2>&1; then
  die "the build of ${commit:0:12} failed; see $log"
fi
target="$work/src/starter/target"
[[ -f "$target/vmbackup.jar" && -d "$target/lib" ]] || die "the build of ${commit:0:12} made no starter/target/vmbackup.jar with lib/; see $log"

# Staged beside the final directory and renamed into place, so that a reader never sees half a build.
mkdir "$staged"
cp "$target/vmbackup.jar" "$staged/"
cp -r "$target/lib" "$staged/"
rm -rf "$dir"
mv -T "$staged" "$dir"
rm -f "$log"
echo "$jar"
