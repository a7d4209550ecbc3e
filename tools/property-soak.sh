#!/usr/bin/env bash
# The nightly, exploratory mode of the FsCheck suite: runs tests/Properties once per seed, at a multiple of CI's case
# counts, and reports per seed what failed and the command that reruns it.
#   tools/property-soak.sh [SEEDS] [SCALE] [FILTER]
# SEEDS: how many fresh seeds (default 20); SCALE: HARNESS_PROPERTY_SCALE (default 20); FILTER: a dotnet test
# --filter (default: every test). Logs go to property-soak/<seed>.log; a summary line per seed to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
seeds=${1:-20}
scale=${2:-20}
filter=${3:-}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 HARNESS_PROPERTY_SCALE=$scale
mkdir -p property-soak
dotnet build tests/Properties --nologo -v q -clp:NoSummary
failed_seeds=0
for i in $(seq 1 "$seeds"); do
  seed="($(od -An -N8 -tu8 /dev/urandom | tr -d ' '),$(( $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') | 1 )))"
  log="property-soak/$(echo "$seed" | tr -d '(),' | cut -c1-20).log"
  start=$(date +%s)
  set +e
  HARNESS_PROPERTY_SEED=$seed dotnet test tests/Properties --no-build --nologo ${filter:+--filter "$filter"} >"$log" 2>&1
  status=$?
  set -e
  summary=$(grep -E "^(Passed|Failed)!" "$log" | tail -1)
  echo "seed $i/$seeds $seed scale $scale: ${summary:-no summary (exit $status)} in $(( $(date +%s) - start )) s; log $log"
  if [ "$status" -ne 0 ]; then
    failed_seeds=$((failed_seeds + 1))
    grep -E "^\s+Failed " "$log" | sed 's/^/    /'
    echo "    rerun: HARNESS_PROPERTY_SEED='$seed' HARNESS_PROPERTY_SCALE=$scale dotnet test tests/Properties --filter 'FullyQualifiedName~<test>'"
  fi
done
echo "$failed_seeds of $seeds seed(s) failed"
[ "$failed_seeds" -eq 0 ]
