#!/usr/bin/env bash
# MOCK measured live: kinetic pub → kinetic relay → kinetic impair → kinetic play --headless, once per
# late policy (stall, freeze, conjecture), each run behind a fresh proxy with the same preset and seed
# and at the same budget, and prints the per-policy table from the players' summaries. Then each live
# run's recorded arrivals are replayed offline by `kinetic mock-eval --arrivals` (the same clip,
# frames and budget, mock-eval's players), and the two are put side by side.
#   bench/mock/live_eval.sh [--preset lte] [--seed 7] [--budget-ms 100] [--seconds 20] [--clip FILE]
# Needs a built tree (build/apps/kinetic/kinetic) and python3 for the table.
set -euo pipefail
cd "$(dirname "$0")/../.."
K="$PWD/build/apps/kinetic/kinetic"
preset=lte; seed=7; budget=100; seconds=20; clip="$PWD/assets/vtest_10s.mp4"; port=26443
while [ $# -gt 0 ]; do
  case "$1" in
    --preset) preset="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --budget-ms) budget="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --clip) clip="$(realpath "$2")"; shift 2 ;;
    --port) port="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
KEEP_OUT=1  # the table points at the logs and JSON lines
. "$PWD/bench/process_harness.sh"

limit=$((seconds * 4 + 60))
timeout "$limit" "$K" relay --listen "127.0.0.1:$port" >"$out/relay.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do grep -q "listening" "$out/relay.log" && break; sleep 0.1; done
timeout "$limit" "$K" pub "moqt://127.0.0.1:$port" --namespace live --input "$clip" --loop --insecure \
  >"$out/pub.log" 2>&1 & pids+=($!)
for _ in $(seq 100); do grep -q "namespace 'live' published" "$out/relay.log" && break; sleep 0.1; done

for late in stall freeze conjecture; do
  proxy=$((port + 1))
  timeout "$limit" "$K" impair --listen "127.0.0.1:$proxy" --to "127.0.0.1:$port" --preset "$preset" \
    --seed "$seed" >"$out/impair-$late.log" 2>&1 & ip=$!
  for _ in $(seq 100); do grep -q "impair listening" "$out/impair-$late.log" && break; sleep 0.1; done
  timeout $((seconds + 30)) "$K" play "moqt://127.0.0.1:$proxy" --namespace live --insecure --headless \
    --late "$late" --budget-ms "$budget" --duration "$seconds" --no-gpu --reference "$clip" \
    --log "$out/$late.jsonl" --summary "$out/$late.json" 2>"$out/play-$late.log" || true
  kill "$ip" 2>/dev/null || true; wait "$ip" 2>/dev/null || true
done

for late in stall freeze conjecture; do
  "$K" mock-eval --clip "$clip" --seconds 0 --max-width 0 --budget-ms "$budget" --max-lead 0 --no-audio --cpu \
    --arrivals "$out/$late.jsonl" --out "$out/offline-$late" >"$out/offline-$late.log" 2>&1 || true
done

echo "live MOCK evaluation: $(basename "$clip"), preset $preset, seed $seed, budget $budget ms, $seconds s per policy"
echo "(logs and per-slot JSON lines in $out)"
python3 - "$out" <<'PY'
import json, sys, os
out = sys.argv[1]
rows = []
for late in ("stall", "freeze", "conjecture"):
    p = os.path.join(out, late + ".json")
    s = json.load(open(p))[0] if os.path.exists(p) and os.path.getsize(p) > 0 else None
    rows.append((late, s))
print("| policy | slots | real | conjectured | frozen | concealment events | W3C freezes | freeze time | stalls | stall time | latency p50 / p95 | PSNR | SSIM | substituted PSNR / SSIM | substituted, moving blocks | conjecture cost |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for late, s in rows:
    if s is None:
        print(f"| {late} | (no summary) |" + " |" * 14)
        continue
    print(f"| {late} | {s['slots']} | {s['real']} | {s['conjectured']} | {s['frozen']} | {s['concealment_events']} | "
          f"{s['freezes']} | {s['freeze_ms']/1000:.2f} s | {s['stall_events']} | {s['stall_ms']/1000:.2f} s | "
          f"{s['latency_p50_ms']:.0f} / {s['latency_p95_ms']:.0f} ms | {s['psnr_db']:.2f} dB | {s['ssim']:.4f} | "
          f"{s['substituted_psnr_db']:.2f} dB / {s['substituted_ssim']:.4f} | {s['substituted_moving_psnr_db']:.2f} dB | "
          + (f"{s['predict_ms']:.1f} ms" if s['predictions'] else "-") + " |")
stall = rows[0][1]; mock = rows[2][1]
if stall and mock:
    def fewer(a, b):
        return f"{100 * (1 - a / b):.0f}% fewer" if b else "none to compare"
    print(f"\nstalls (the timeline waited), conjecture vs stall policy: {mock['stall_events']} vs {stall['stall_events']} "
          f"({fewer(mock['stall_events'], stall['stall_events'])}), at latency p50 {mock['latency_p50_ms']:.0f} vs {stall['latency_p50_ms']:.0f} ms")
    print(f"W3C freezes, conjecture vs stall policy: {mock['freezes']} vs {stall['freezes']}")

# The same arrivals replayed offline: mock-eval's player for each policy, on the clip's frames.
names = {"stall": "jitter-buffer", "freeze": "freeze-frame", "conjecture": "mock"}
print("\nlive vs offline replay of the same recorded arrivals (per-clip-frame delays; offline covers each clip frame once):")
print("| policy | live: substituted share | offline: substituted share | live: substituted PSNR | offline: substituted PSNR | live: mean PSNR | offline: mean PSNR |")
print("|---|---|---|---|---|---|---|")
for late, s in rows:
    p = os.path.join(out, f"offline-{late}", "mock-eval.json")
    if s is None or not os.path.exists(p):
        print(f"| {late} | (missing) | | | | | |")
        continue
    players = [x for x in json.load(open(p))["clips"][0]["players"] if x["player"] == names[late]]
    if not players:
        print(f"| {late} | (no offline row) | | | | | |")
        continue
    o = players[0]
    live_sub = (s["slots"] - s["real"]) / s["slots"] if s["slots"] else 0
    off_sub = o["substituted"] / o["slots"] if o["slots"] else 0
    print(f"| {late} | {100*live_sub:.1f}% | {100*off_sub:.1f}% | {s['substituted_psnr_db']:.2f} dB | {o['substituted_psnr_db']:.2f} dB | "
          f"{s['psnr_db']:.2f} dB | {o['mean_psnr_db']:.2f} dB |")
PY
