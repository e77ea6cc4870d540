#!/usr/bin/env bash
# Every test of Kinetic: installs dependencies, builds, runs the GoogleTest suites under
# CTest, the sanitizer build of the parsers and layers, and a short libFuzzer run per parser
# (the fuzzers are built in the sanitizer tree).
set -euo pipefail
cd "$(dirname "$0")/.."

# 17 targets, two at a time: 12 s each keeps the whole script inside its 40-minute budget on 2
# cores; longer runs by hand with scripts/fuzz.sh N.
FUZZ_SECONDS="${KINETIC_FUZZ_SECONDS:-12}"
JOBS="${KINETIC_JOBS:-2}"
failed_steps=()
passed_steps=0

timings=()
timed() {  # timed START VERDICT NAME: keeps one line of the summary's time table.
  timings+=("$(printf '%5d s  %-6s %s' $((SECONDS - $1)) "$2" "$3")")
}
step() {  # step NAME COMMAND...: runs one step, records pass/fail and its time, keeps going.
  local name="$1"; shift
  echo "=== $name"
  local start=$SECONDS verdict=ok
  if "$@"; then passed_steps=$((passed_steps + 1)); else failed_steps+=("$name"); verdict=FAILED; fi
  timed "$start" "$verdict" "$name"
}

deps_start=$SECONDS
scripts/install-deps.sh
timed "$deps_start" ok "install dependencies"

step "build (RelWithDebInfo)" scripts/build.sh default
# One test per core: four at a time on 2 cores was 80 s shorter but starved a 300-ms QUIC idle
# timer past its keep-alive in one run of two.
step "ctest" ctest --test-dir build -j "$JOBS" --output-on-failure --timeout 300

# One clang tree for the sanitizers and the fuzzers: the layers are built once for both.
step "build (ASan+UBSan, libFuzzer)" scripts/build.sh asan
# The browser test already ran above; under ASan it only slows our server down for Chromium.
step "ctest (ASan+UBSan)" ctest --test-dir build-asan -j "$JOBS" --output-on-failure --timeout 600 -E '^Chromium\.' 

step "fuzz (${FUZZ_SECONDS}s per target)" scripts/fuzz.sh "$FUZZ_SECONDS"

echo "=== summary"
if [ "${#failed_steps[@]}" -gt 0 ]; then
  printf 'failed step: %s\n' "${failed_steps[@]}"
fi
# The failed tests' own words, here at the end where they are not lost in a long log.
for s in "${failed_steps[@]}"; do
  case "$s" in
    "ctest") scripts/failed_test_logs.sh build 40 ;;
    "ctest (ASan+UBSan)") scripts/failed_test_logs.sh build-asan 40 ;;
  esac
done
# Each step's wall time: the whole script has a 40-minute budget on 2 cores.
printf '%s\n' "${timings[@]}"
printf '%5d s  total\n' "$SECONDS"
echo "summary: ${passed_steps} steps ok, ${#failed_steps[@]} steps failed"
[ "${#failed_steps[@]}" -eq 0 ]
