#!/bin/bash
# Runs the benchmarks: bench/run.sh [--quick] [--runs N] [--cases copy,pause,overhead,scale] [--out DIR]
# Prepares the host like the tests do, builds, runs, and writes bench/results/results.md and .csv.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/prepare-host.sh
export VMBACKUP_TEMPORAL_CLI="$(scripts/install-temporal-cli.sh)"
# One reactor build, so that the bench's classpath names the modules' freshly built jars.
mvn -q -B -ntp -Dmaven.test.skip=true -pl bench -am package dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt
exec java -Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.vmbackup.bench.Bench "$@"
