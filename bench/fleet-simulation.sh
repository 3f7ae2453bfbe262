#!/bin/bash
# Issue 15's fleet simulation at full size: one fleet policy run of 50 simulated hosts x 20 VMs through a
# Temporal dev server of its own (no libvirt, no guests: only the hosts' hypervisor and qemu-img are
# simulated, see testing/.../fleet). Writes bench/results/fleet-simulation.md.
# Usage: bench/fleet-simulation.sh [--hosts 50] [--vms 20] [--per-host 2] [--max-concurrent 100]
#        [--spread 10] [--sample 300] [--retention true|false] [--out FILE]
# Builds the Temporal CLI first if it is missing (scripts/install-temporal-cli.sh; VMBACKUP_TEMPORAL_CLI
# overrides its path).
set -euo pipefail
cd "$(dirname "$0")/.."
export VMBACKUP_TEMPORAL_CLI="${VMBACKUP_TEMPORAL_CLI:-$(scripts/install-temporal-cli.sh)}"
mvn -q -B -ntp -Dmaven.test.skip=true -pl bench -am compile dependency:build-classpath \
  -Dmdep.outputFile=target/classpath.txt
exec java -Dlogback.statusListenerClass=ch.qos.logback.core.status.NopStatusListener \
  -cp "bench/target/classes:$(cat bench/target/classpath.txt)" dev.vmbackup.bench.FleetSimulationBench "$@"
