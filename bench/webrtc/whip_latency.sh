#!/usr/bin/env bash
# WHIP ingest measured beside `kinetic pub`, same clip, same machine:
#   A. headless Chromium (the clip as its fake camera, .y4m) → WHIP → `kinetic whip` → relay → `kinetic sub`
#   B. `kinetic pub` (the clip's H.264 as it is, plus an Opus tone) → relay → `kinetic sub`
# For each: `kinetic sub --stats` latency (capture stamp to arrival: for WHIP the sender's capture time
# mapped through its RTCP sender reports, for pub the moment pub releases the frame), the gateway's own
# time per video frame (last RTP packet in, decrypted → object out to MoQT; p50/p99/max from its log),
# and CPU of the process that turns the input into MoQT objects (gateway or pub) while media flows,
# beside the gateway's CPU at rest. Prints a Markdown table.
#   bench/webrtc/whip_latency.sh [--seconds 20] [--clip FILE]
# Needs a built tree, chromium + tests/browser/node_modules, ffmpeg, python3.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT="$PWD"
K="$ROOT/build/apps/kinetic/kinetic"
seconds=20; clip="$ROOT/assets/vtest_10s.mp4"
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --clip) clip="$(realpath "$2")"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
. "$ROOT/bench/process_harness.sh"
limit=$((seconds + 40))
tick=$(getconf CLK_TCK)
# CPU ticks (user + system) of the process `timeout` PID runs.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$(pgrep -P "$1" | head -1)/stat"; }

ffmpeg -v error -i "$clip" -pix_fmt yuv420p "$out/clip.y4m"
ffmpeg -v error -i "$clip" -f lavfi -i "sine=frequency=440:beep_factor=4:duration=10" -map 0:v -map 1:a -c:v copy \
  -c:a libopus -b:a 48k -ac 2 -frame_duration 20 -movflags cmaf+frag_keyframe+empty_moov -shortest "$out/clip.mp4"

relay() {  # relay PORT LOG
  timeout "$limit" "$K" relay --listen "127.0.0.1:$1" >"$2" 2>&1 & pids+=($!)
  wait_for "$2" "relay listening"
}

# A. WHIP
relay 27443 "$out/relay_a.log"
timeout "$limit" "$K" whip moqt://127.0.0.1:27443 --http 127.0.0.1:0 --insecure >"$out/whip.log" 2>&1 & GW=$!; pids+=($GW)
wait_for "$out/whip.log" "WHIP on"
http=$(grep -o 'http://127.0.0.1:[0-9]*' "$out/whip.log" | head -1)
idle0=$(cpu_ticks $GW); sleep 2; idle1=$(cpu_ticks $GW)
(cd "$ROOT/tests/browser" && KINETIC_FAKE_VIDEO="$out/clip.y4m" timeout "$limit" node whip_publish.mjs "$http/whip/bench" - $((seconds + 4)) delete) \
  >"$out/browser.log" 2>&1 & BR=$!; pids+=($BR)
wait_for "$out/whip.log" "announced"
sleep 2
c0=$(cpu_ticks $GW)
timeout "$limit" "$K" sub moqt://127.0.0.1:27443 --namespace bench --insecure --stats --duration "$seconds" --output /dev/null \
  >"$out/sub_whip.log" 2>&1
c1=$(cpu_ticks $GW)
wait $BR || true
wait_for "$out/whip.log" "withdrawn"
kill $GW 2>/dev/null || true

# B. kinetic pub
relay 27444 "$out/relay_b.log"
timeout "$limit" "$K" pub moqt://127.0.0.1:27444 --namespace bench --input "$out/clip.mp4" --loop --insecure >"$out/pub.log" 2>&1 & PB=$!; pids+=($PB)
wait_for "$out/pub.log" "announced"
sleep 2
p0=$(cpu_ticks $PB)
timeout "$limit" "$K" sub moqt://127.0.0.1:27444 --namespace bench --insecure --stats --duration "$seconds" --output /dev/null \
  >"$out/sub_pub.log" 2>&1
p1=$(cpu_ticks $PB)
kill $PB 2>/dev/null || true

python3 - "$out" "$seconds" "$tick" "$idle0" "$idle1" "$c0" "$c1" "$p0" "$p1" <<'PY'
import re, sys
out, seconds, tick = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
idle0, idle1, c0, c1, p0, p1 = map(float, sys.argv[4:10])
def sub_stats(path, track):
    n = tot = 0.0; mx = 0.0; frames = 0
    for line in open(path):
        m = re.match(rf"{track}: .* latency avg ([\d.]+) min [\d.-]+ max ([\d.]+) ms \((\d+) frames, total (\d+)\)", line)
        if m:
            a, x, f = float(m[1]), float(m[2]), int(m[3])
            tot += a * f; n += f; mx = max(mx, x); frames = int(m[4])
    return (tot / n if n else float('nan')), mx, frames
log = open(f"{out}/whip.log").read()
gw = re.search(r"in the gateway p50 ([\d.]+) p99 ([\d.]+) max ([\d.]+) ms over (\d+) frames \(after the jitter buffer p50 ([\d.]+) p99 ([\d.]+) max ([\d.]+)", log)
idle = (idle1 - idle0) / tick / 2 * 100
whip_cpu = (c1 - c0) / tick / seconds * 100
pub_cpu = (p1 - p0) / tick / seconds * 100
print("| path | video latency mean / max (ms) | audio latency mean / max (ms) | frames (video, audio) | in the gateway, per video frame | CPU of gateway / pub (% of a core) |")
print("|---|---|---|---|---|---|")
for name, f, extra, cpu in (("Chromium → WHIP → `kinetic whip` → relay → `kinetic sub`", "sub_whip.log",
                              (f"p50 {gw[1]} / p99 {gw[2]} / max {gw[3]} ms over {gw[4]} frames; after the jitter buffer "
                               f"p50 {gw[5]} / p99 {gw[6]} / max {gw[7]}") if gw else "?", f"{whip_cpu:.1f} (at rest {idle:.1f})"),
                             ("`kinetic pub` → relay → `kinetic sub`", "sub_pub.log", "–", f"{pub_cpu:.1f}")):
    va, vx, vf = sub_stats(f"{out}/{f}", "video0")
    aa, ax, af = sub_stats(f"{out}/{f}", "audio0")
    print(f"| {name} | {va:.1f} / {vx:.1f} | {aa:.1f} / {ax:.1f} | {vf}, {af} | {extra} | {cpu} |")
b = open(f"{out}/browser.log").read()
m = re.search(r'"video":\{[^}]*"codec":"video/H264"[^}]*\}', b)
print(f"\nChromium's sender stats: {m[0] if m else 'missing'}")
PY
