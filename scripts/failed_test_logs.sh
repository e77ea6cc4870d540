#!/usr/bin/env bash
# failed_test_logs.sh BUILD_DIR [LINES]: the last LINES lines of each failed test's output from
# the last ctest run in BUILD_DIR. scripts/test.sh prints them in its summary, at the end of the
# log, where a reader of a long CI run looks first.
set -euo pipefail
log="$1/Testing/Temporary/LastTest.log"
lines="${2:-60}"
[ -f "$log" ] || exit 0
awk -v keep="$lines" '
  /^[0-9]+\/[0-9]+ Test: / { name = $0; sub(/^[0-9]+\/[0-9]+ Test: /, "", name); n = 0; capturing = 0; next }
  /^Output:$/ { capturing = 1; skip_rule = 1; next }
  capturing && skip_rule && /^-+$/ { skip_rule = 0; next }
  /^<end of output>$/ { capturing = 0; next }
  capturing { buf[n % keep] = $0; n++; next }
  /^Test (Failed|Timeout|.*[Ff]ail|.*Exception)/ {
    printf "--- %s (%s): last %d lines\n", name, $0, (n < keep ? n : keep)
    for (i = (n > keep ? n - keep : 0); i < n; i++) print buf[i % keep]
  }
' "$log"
