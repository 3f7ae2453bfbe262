#!/bin/bash
# Ingest throughput of a full backup into a new local store against `cp --sparse=always` of the same
# image, run side by side (alternating, page cache warm for both, on the same filesystem). Needs the
# store module compiled with its test classes: mvn -B -o -pl store test-compile.
# Usage: bench/store-ingest.sh [SCRATCH_DIR] [RUNS]
#
# Each line carries the load average just before the run and the process's user and system CPU time,
# since on a shared machine the CPU time is the figure that other load disturbs least.
#
# By default the previous run's store is deleted just before each ingest, as this script always did.
# On an ext4 filesystem without a journal that makes the ingest pay for the deletion: ext4 skips inodes
# freed within the last minute or more when it allocates new ones (recently_deleted in find_inode_bit),
# scanning past every one of them for each new file. KEEP_STORES=1 moves each store aside instead and
# deletes them all after the last run, so that no ingest follows a mass deletion in its own directory.
# WARM=1 runs IngestBench with "warm": it backs up 128 MiB into a scratch store first, so that the
# measured ingest runs in a JVM that has loaded its classes and compiled its hot code, as a worker has.
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH="${1:-/var/tmp/store-scratch/ingest}"
RUNS="${2:-3}"
KEEP_STORES="${KEEP_STORES:-0}"
WARM="${WARM:-0}"
mkdir -p "$SCRATCH"
IMAGE="$SCRATCH/random-1g.img"
[[ -f "$IMAGE" ]] || head -c 1G /dev/urandom >"$IMAGE"
CP_FILE="$SCRATCH/classpath"
mvn -B -o -q -pl store dependency:build-classpath -Dmdep.outputFile="$CP_FILE" >/dev/null
CLASSPATH="store/target/classes:store/target/test-classes:$(cat "$CP_FILE")"
cat "$IMAGE" >/dev/null
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "$(date -u '+%Y-%m-%d %H:%M UTC'), load average: $(load), $(nproc) cores, KEEP_STORES=$KEEP_STORES, WARM=$WARM"
rm -rf "$SCRATCH/store" "$SCRATCH/store-warmup" "$SCRATCH/kept"
mkdir -p "$SCRATCH/kept"
stores=0
for run in $(seq "$RUNS"); do
  rm -f "$SCRATCH/copy.img"
  before=$(load)
  start=$(date +%s.%N)
  cp --sparse=always "$IMAGE" "$SCRATCH/copy.img"
  end=$(date +%s.%N)
  sync -f "$SCRATCH/copy.img"
  synced=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v y="$synced" -v l="$before" 'BEGIN { printf "[load %s] cp --sparse=always: %.2f s, %.0f MB/s (%.2f s, %.0f MB/s including sync)\n", l, e-s, 1073.741824/(e-s), y-s, 1073.741824/(y-s) }'
  for mode in plain encrypt; do
    if [[ "$KEEP_STORES" == 1 ]]; then
      for dir in store store-warmup; do
        [[ -d "$SCRATCH/$dir" ]] && mv "$SCRATCH/$dir" "$SCRATCH/kept/$((stores++))"
      done
    else
      rm -rf "$SCRATCH/store" "$SCRATCH/store-warmup"
    fi
    before=$(load)
    result=$(/usr/bin/time -o "$SCRATCH/cpu.txt" -f 'cpu %U s user + %S s system' java -cp "$CLASSPATH" \
      dev.vmbackup.store.IngestBench "$IMAGE" "$SCRATCH/store" 256 "$mode" \
      "$([[ "$WARM" == 1 ]] && echo warm || echo cold)" 2>/dev/null | grep '^store ingest')
    echo "[load $before] $result; $(cat "$SCRATCH/cpu.txt")"
  done
done
rm -rf "$SCRATCH/store" "$SCRATCH/store-warmup" "$SCRATCH/kept" "$SCRATCH/copy.img" "$SCRATCH/cpu.txt"
