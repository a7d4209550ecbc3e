#!/usr/bin/env bash
# The test command of README's Quick start: installs the system packages the tests need when they are missing,
# then runs every test project. Used unchanged by CI (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages some tests need: the native backend's ABI conformance test compiles a C program against rdma-core's
# headers with gcc (tests/Properties/Native), and the no-device tests load libibverbs.so.1 / librdmacm.so.1; the
# core-dump tests (tests/Properties/FieldBugs) build a C fixture with gcc, dump it with gcore and read it with gdb; the
# packet-capture tests (tests/Properties/Wire) decode the simulator's pcap with Wireshark's tshark.
REQUIRED_PACKAGES=(libibverbs-dev librdmacm-dev gcc gdb tshark)
missing=()
for p in "${REQUIRED_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing missing packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  # tshark's package asks whether non-root users may capture; no one captures here, so the answer is no, asked of no one.
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

# Deterministic CI: every FsCheck property starts from one fixed seed and every Coyote test from seed 1, so the same
# commit gives the same verdict. HARNESS_PROPERTY_SEED=random (nightly) draws a fresh seed here and prints it, so that
# the run can be repeated exactly; a replay string as FsCheck prints it, "(SEED,GAMMA)", reruns one.
if [ "${HARNESS_PROPERTY_SEED:-}" = random ]; then
  HARNESS_PROPERTY_SEED="($(od -An -N8 -tu8 /dev/urandom | tr -d ' '),$(( $(od -An -N4 -tu4 /dev/urandom | tr -d ' ') | 1 )))"
  export HARNESS_PROPERTY_SEED
fi
echo "FsCheck seed: ${HARNESS_PROPERTY_SEED:-fixed (tests/Properties/Support/PropertySeed.cs)}; property scale ${HARNESS_PROPERTY_SCALE:-1}; Coyote seed: ${HARNESS_COYOTE_SEED:-1}"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The whole solution is built first: `dotnet test` builds only the test projects and what they reference, and bench/
# (BenchmarkDotNet, never run here) must keep compiling with zero warnings too.
dotnet build Harness.sln --nologo -v q -clp:NoSummary
set +e
dotnet test Harness.sln "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
set -e

# One plain summary line over all test assemblies.
passed=$(grep -Eo 'Passed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
failed=$(grep -Eo 'Failed: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
skipped=$(grep -Eo 'Skipped: +[0-9]+' "$log" | awk '{s+=$2} END {print s+0}')
echo "${passed} passed, ${failed} failed, ${skipped} skipped"
exit "$status"
