#!/usr/bin/env bash
# How long a viewer joining a WHIP broadcast waits for a group that began after it joined (a keyframe
# at the live edge), with and without asking for one (NEW_GROUP_REQUEST, `kinetic sub --new-group`):
#   headless Chromium (fake camera) → WHIP → `kinetic whip` → `kinetic relay` → `kinetic sub`, joins
#   alternating plain and --new-group, each one's wait read from its log ("the first begun since
#   subscribing, N ms after the SUBSCRIBE"). The gateway keeps its defaults: a keyframe asked for
#   every 2 s (--max-group-ms), a requested one no sooner than 500 ms into a group (--min-group-ms).
# Prints a Markdown table.
#   bench/webrtc/new_group_join.sh [--joins 8]
# Needs a built tree, chromium + tests/browser/node_modules.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
K="$ROOT/build/apps/kinetic/kinetic"
joins=8
while [ $# -gt 0 ]; do
  case "$1" in
    --joins) joins="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
. "$ROOT/bench/process_harness.sh"
port=$((40000 + RANDOM % 20000))
seconds=$((joins * 8 + 10))
timeout $((seconds + 30)) "$K" relay --listen "127.0.0.1:$port" >"$out/relay.log" 2>&1 & pids+=($!)
wait_for "$out/relay.log" "relay listening"
timeout $((seconds + 30)) "$K" whip "moqt://127.0.0.1:$port" --http 127.0.0.1:0 --insecure --token s3cret >"$out/whip.log" 2>&1 & pids+=($!)
wait_for "$out/whip.log" "WHIP on"
http=$(grep -o 'http://127.0.0.1:[0-9]*' "$out/whip.log" | head -1)
(cd "$ROOT/tests/browser" && timeout $((seconds + 20)) node whip_publish.mjs "$http/whip/live/cam" s3cret "$seconds" delete) \
  >"$out/browser.log" 2>&1 & pids+=($!)
wait_for "$out/whip.log" "announced"
sleep 3
for n in $(seq "$joins"); do
  for mode in plain new; do
    flag=""; [ "$mode" = new ] && flag="--new-group"
    timeout 10 "$K" sub "moqt://127.0.0.1:$port" --namespace live/cam --insecure $flag --track video0 --duration 2.5 \
      >"$out/sub_${mode}_$n.log" 2>&1 || true
    sleep "0.$((RANDOM % 10))"  # joins land anywhere in a group
  done
done
waits() { grep -ho 'since subscribing, [0-9]* ms' "$out"/sub_"$1"_*.log | grep -o '[0-9]*' | sort -n | tr '\n' ' '; }
stats() {  # min / median / max of the numbers given
  python3 -c 'import sys,statistics as s; v=[int(x) for x in sys.argv[1:]]; print(f"{min(v)} / {s.median(v):.0f} / {max(v)}" if v else "-")' $1
}
plain=$(waits plain); new=$(waits new)
echo "| join | joins | wait for a fresh group min / median / max ms | every wait, sorted (ms) |"
echo "|---|---|---|---|"
echo "| plain \`kinetic sub\` | $(echo $plain | wc -w) | $(stats "$plain") | $plain |"
echo "| \`kinetic sub --new-group\` | $(echo $new | wc -w) | $(stats "$new") | $new |"
