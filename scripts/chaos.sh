#!/bin/bash
# The randomized fault harness: scripts/chaos.sh [--rounds N] [--seed S] [--report FILE]
# Rounds of backup -> one fault at a random moment (SIGKILL or SIGSTOP of the worker, SIGKILL of libvirtd
# or of the Temporal dev server, the repository filling up) -> the victim restarted -> the invariants.
# Prints the seed, so that a failed run replays with --seed. Writes its report to bench/results/chaos.md
# (or FILE). The test command runs a short fixed-seed set of the same test (ChaosE2ETest).
set -euo pipefail
cd "$(dirname "$0")/.."

rounds=60
seed="$(date +%s)"
report="$PWD/bench/results/chaos.md"
while (($#)); do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --report) report="$(realpath -m "$2")"; shift 2 ;;
    *) echo "chaos: unknown option $1 (use --rounds N, --seed S, --report FILE)" >&2; exit 2 ;;
  esac
done
[[ "$rounds" =~ ^[1-9][0-9]{0,3}$ ]] || { echo "chaos: --rounds must be a number from 1 to 9999" >&2; exit 2; }
[[ "$seed" =~ ^-?[0-9]{1,18}$ ]] || { echo "chaos: --seed must be a whole number" >&2; exit 2; }

scripts/prepare-host.sh
export VMBACKUP_TEMPORAL_CLI="$(scripts/install-temporal-cli.sh)"
echo "chaos: seed $seed, $rounds rounds, report $report" >&2
mvn -B -ntp verify -pl starter -am -Dtest=ChaosE2ETest -Dsurefire.failIfNoSpecifiedTests=false \
  -Dvmbackup.chaos.seed="$seed" -Dvmbackup.chaos.rounds="$rounds" -Dvmbackup.chaos.report="$report"
