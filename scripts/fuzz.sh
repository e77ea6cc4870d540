#!/usr/bin/env bash
# Runs every libFuzzer target of the sanitizer tree (build-asan) for N seconds (default 20) on
# its seed corpus, KINETIC_JOBS targets at a time (default 2: each fuzzer is one process on one
# core). Longer runs: scripts/fuzz.sh 3600. Crashes are written to build-asan/crashes/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-20}"
jobs="${KINETIC_JOBS:-2}"
tree=build-asan
mkdir -p "$tree/crashes"

# fuzz_one TARGET: one target's run; its verdict goes to $tree/NAME.verdict, read after all ran,
# so the targets that run side by side do not interleave their lines.
fuzz_one() {
  local target="$1" name work seeds
  name="$(basename "$target")"
  work="$tree/corpus/$name"
  mkdir -p "$work"
  seeds="fuzz/corpus/${name#fuzz_}"
  # -timeout: an input that runs longer than 30 s is a hang, reported as one (not after libFuzzer's 20 minutes).
  if "$target" -max_total_time="$seconds" -timeout=30 -print_final_stats=0 -artifact_prefix="$tree/crashes/$name-" \
      "$work" $( [ -d "$seeds" ] && echo "$seeds" ) >"$tree/$name.log" 2>&1; then
    { echo "--- $name (${seconds}s)"; grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" "$tree/$name.log" | tail -1 || true; } \
      >"$tree/$name.verdict"
  else
    { echo "--- $name (${seconds}s)"; echo "FAIL $name"; tail -40 "$tree/$name.log"; } >"$tree/$name.verdict"
  fi
}

names=()
for target in "$tree"/fuzz/fuzz_*; do
  [ -x "$target" ] || continue
  names+=("$(basename "$target")")
  rm -f "$tree/${names[-1]}.verdict"
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  fuzz_one "$target" &
done
wait

status=0
for name in "${names[@]}"; do
  if [ ! -f "$tree/$name.verdict" ]; then echo "FAIL $name (no verdict)"; status=1; continue; fi
  cat "$tree/$name.verdict"
  if grep -q "^FAIL " "$tree/$name.verdict"; then status=1; fi
done
exit $status
