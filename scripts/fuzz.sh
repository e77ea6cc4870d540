#!/usr/bin/env bash
# Runs every libFuzzer target of the sanitizer tree (build-asan) for N seconds (default 20) on
# its seed corpus. Longer runs: scripts/fuzz.sh 3600. Crashes are written to build-asan/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
tree=build-asan
mkdir -p "$tree/crashes"
status=0
for target in "$tree"/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  name="$(basename "$target")"
  work="$tree/corpus/$name"
  mkdir -p "$work"
  seeds="fuzz/corpus/${name#fuzz_}"
  echo "--- $name (${seconds}s)"
  # -timeout: an input that runs longer than 30 s is a hang, reported as one (not after libFuzzer's 20 minutes).
  if ! "$target" -max_total_time="$seconds" -timeout=30 -print_final_stats=0 -artifact_prefix="$tree/crashes/$name-" \
      "$work" $( [ -d "$seeds" ] && echo "$seeds" ) >"$tree/$name.log" 2>&1; then
    echo "FAIL $name"; tail -40 "$tree/$name.log"; status=1
  else
    grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" "$tree/$name.log" | tail -1 || true
  fi
done
exit $status
