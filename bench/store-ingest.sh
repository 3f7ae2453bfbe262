#!/bin/bash
# Ingest throughput of a full backup into a new local store against `cp --sparse=always` of the same
# image, run side by side (alternating, page cache warm for both, on the same filesystem). Needs the
# store module compiled with its test classes: mvn -B -o -pl store test-compile.
# Usage: bench/store-ingest.sh [SCRATCH_DIR] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
SCRATCH="${1:-/var/tmp/store-scratch/ingest}"
RUNS="${2:-3}"
mkdir -p "$SCRATCH"
IMAGE="$SCRATCH/random-1g.img"
[[ -f "$IMAGE" ]] || head -c 1G /dev/urandom >"$IMAGE"
CP_FILE="$SCRATCH/classpath"
mvn -B -o -q -pl store dependency:build-classpath -Dmdep.outputFile="$CP_FILE" >/dev/null
CLASSPATH="store/target/classes:store/target/test-classes:$(cat "$CP_FILE")"
cat "$IMAGE" >/dev/null
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"
for run in $(seq "$RUNS"); do
  rm -f "$SCRATCH/copy.img"
  start=$(date +%s.%N)
  cp --sparse=always "$IMAGE" "$SCRATCH/copy.img"
  end=$(date +%s.%N)
  sync -f "$SCRATCH/copy.img"
  synced=$(date +%s.%N)
  awk -v s="$start" -v e="$end" -v y="$synced" 'BEGIN { printf "cp --sparse=always: %.2f s, %.0f MB/s (%.0f MB/s including sync)\n", e-s, 1073.741824/(e-s), 1073.741824/(y-s) }'
  for mode in plain encrypt; do
    rm -rf "$SCRATCH/store"
    java -cp "$CLASSPATH" dev.vmbackup.store.IngestBench "$IMAGE" "$SCRATCH/store" 256 "$mode" 2>/dev/null | grep '^store ingest'
  done
done
rm -rf "$SCRATCH/store" "$SCRATCH/copy.img"
