#!/usr/bin/env bash
# Runs on a GPU host from the bundle bench/gpu_host/bundle.sh made (.gpu_host/bundle.tar.xz):
# the CUDA engine against the CPU engine (and under compute-sanitizer), the conjecture bench with
# its GPU rows, and `kinetic relay --workers W` on a machine with cores to spare, all inside
# BUDGET seconds (time on such a host is short: a step that would not fit is skipped and says so). Logs and
# JSON go into $OUT/gpu_host.tar.gz (or ./gpu-host-out/); the last lines printed are the summary.
#
# usage: bench/gpu_host/run.sh            QUICK=1 for a smoke run of every step (a few seconds each)
#   STEPS="cuda bench relay goodput sanitizer" (the default; "kernels" adds ncu's kernel times, "hop" the
#   worker-hop bench), WORKERS="1 2 4 8",
#   SUBS="100 500 2000" (subscribers of 1 Mbit/s per row), SUBTHREADS=6 (the bench's subscriber
#   loops), BASELINES=1 (each workers run also measures raw QUIC and the direct path, so that its
#   rows have their own "added" latency)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
DEST=${OUT:-$ROOT/gpu-host-out}
QUICK=${QUICK:-0}
DEADLINE=$((SECONDS + ${BUDGET:-380}))
mkdir -p "$DEST"
OUTDIR=$(mktemp -d /tmp/kinetic-gpu-host-out-XXXXXX)
# Results come back from such a host as a few files: everything goes into one archive beside the summary.
trap 'tar -C "$OUTDIR" -czf "$DEST/gpu_host.tar.gz" . ; cp "$OUTDIR/summary.txt" "$DEST/" 2>/dev/null' EXIT
# Seconds a step may take: its own limit, or what is left of the budget (0: skip it).
limit() { local left=$((DEADLINE - SECONDS)); [ "$left" -lt 15 ] && { echo 0; return; }; echo $(($1 < left ? $1 : left)); }
STAGE=$(mktemp -d /tmp/kinetic-gpu-host-XXXXXX)
tar -C "$STAGE" -xJf "$ROOT/.gpu_host/bundle.tar.xz" || { echo "no bundle: run bench/gpu_host/bundle.sh" >&2; exit 1; }
BIN=$STAGE/bin
# A host libstdc++ at least as new as the build's (GCC 12: GLIBCXX_3.4.30) serves ours and the
# host's own tools (compute-sanitizer) alike; an older one is replaced by ours.
HOST_STDCXX=$(ldconfig -p | awk '/libstdc\+\+\.so\.6 .*x86-64/{print $NF; exit}')
[ -n "$HOST_STDCXX" ] && grep -q GLIBCXX_3.4.30 "$HOST_STDCXX" && rm -f "$STAGE/lib/libstdc++.so.6" "$STAGE/lib/libgcc_s.so.1"
run() { env LD_LIBRARY_PATH="$STAGE/lib:/usr/local/nvidia/lib64:/usr/local/nvidia/lib" "$@"; }
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
SUMMARY=$OUTDIR/summary.txt
: >"$SUMMARY"
note() { echo "$*" | tee -a "$SUMMARY"; }
step() { echo "=== $* ($(date +%T))"; }

step machine
{ nproc; grep -m1 'model name' /proc/cpuinfo; grep -m1 'cpu MHz' /proc/cpuinfo; uname -r
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.mem --format=csv 2>&1; } | tee "$OUTDIR/machine.txt"

# The tests find their data frames through the source path compiled into them.
SRC=$(cat "$STAGE/source_dir")
if [ -n "$SRC" ] && [ ! -e "$SRC/tests/mock/data" ]; then mkdir -p "$(dirname "$SRC")" && ln -s "$ROOT" "$SRC"; fi

STEPS=" ${STEPS:-cuda bench relay goodput sanitizer} "
want() { [[ $STEPS == *" $1 "* ]]; }

CLIPS=$STAGE/clips
make_clips() {
[ -f "$CLIPS/vtest_1920x1080.yuv" ] && return
mkdir -p "$CLIPS"
python3 - "$CLIPS" "$ROOT/.gpu_host/vtest.avi" <<'PY' 2>&1 | tee -a "$SUMMARY"
# The first 16 frames of vtest.avi (bundle.sh copies it into .gpu_host/), scaled, yuv420p. Without
# them the bench's rows fail with its own message about the missing clips.
import sys, cv2
out, avi = sys.argv[1:3]
cap, frames = cv2.VideoCapture(avi), []
while len(frames) < 16:
    ok, bgr = cap.read()
    if not ok: break
    frames.append(bgr)
if len(frames) < 16: sys.exit(f"clips: only {len(frames)} frames decoded from {avi}")
for w, h in [(640, 480), (1280, 720), (1920, 1080)]:
    with open(f"{out}/vtest_{w}x{h}.yuv", "wb") as f:
        for fr in frames:
            f.write(cv2.cvtColor(cv2.resize(fr, (w, h), interpolation=cv2.INTER_AREA), cv2.COLOR_BGR2YUV_I420).tobytes())
print("clips: the first 16 frames of vtest.avi")
PY
}

want cuda && {
step "CUDA engine against the CPU engine"
run timeout "$(limit 120)" "$BIN/mock_cuda_video_conjecture_cuda_test" >"$OUTDIR/cuda_test.txt" 2>&1
note "cuda equality test: exit $? ($(grep -c '^\[       OK' "$OUTDIR/cuda_test.txt") ok, $(grep -c 'SKIPPED' "$OUTDIR/cuda_test.txt") skip lines, $(grep -c '^\[  FAILED' "$OUTDIR/cuda_test.txt") failed lines)"
}

want bench && {
step "conjecture bench"
make_clips
reps=3; [ "$QUICK" = 1 ] && reps=1
KINETIC_VIDEO_CLIP_DIR=$CLIPS run timeout "$(limit 90)" "$BIN/video_conjecture_bench" --benchmark_repetitions=$reps \
  --benchmark_report_aggregates_only=true --benchmark_out="$OUTDIR/conjecture.json" --benchmark_out_format=json \
  $([ "$QUICK" = 1 ] && echo --benchmark_min_time=0.05) >"$OUTDIR/conjecture.txt" 2>&1
note "conjecture bench: exit $?"
grep -E '_(median|mean)' "$OUTDIR/conjecture.txt" | grep median | tee -a "$SUMMARY"
if [ -x "$BIN/video_conjecture_bench_before" ]; then
  # The earlier build's GPU rows, then the new build's again: before and after alternate in one session.
  for b in video_conjecture_bench_before video_conjecture_bench; do
    KINETIC_VIDEO_CLIP_DIR=$CLIPS run timeout "$(limit 60)" "$BIN/$b" --benchmark_filter=Gpu --benchmark_repetitions=$reps \
      --benchmark_report_aggregates_only=true >"$OUTDIR/$b.gpu.txt" 2>&1
    note "$b (GPU rows): exit $?"
    grep median "$OUTDIR/$b.gpu.txt" | sed "s/^/$b: /" | tee -a "$SUMMARY"
  done
fi
}

if want relay || want goodput; then
step "relay workers"
if [ "$QUICK" = 1 ]; then WORKERS=${WORKERS:-1 2}; SUBS=${SUBS:-10}; BASE="--raw-mb 20 --unpaced 1 --repeats 1"; WIN="--window 1 --warmup 0.5"
else WORKERS=${WORKERS:-1 2 4 8}; SUBS=${SUBS:-100 500 2000}; BASE="--raw-mb 300 --unpaced 3 --repeats 2"; WIN="--window 4 --warmup 1"; fi
SUBTHREADS=${SUBTHREADS:-6}
RELAY_BASE="--skip-baselines"; [ "${BASELINES:-0}" = 1 ] && RELAY_BASE="--raw-mb 200 --unpaced 2 --repeats 1"
want relay && for w in $WORKERS; do
  t=$(limit $([ "${BASELINES:-0}" = 1 ] && echo 110 || echo 75)); [ "$t" = 0 ] && { note "relay --workers $w: skipped, out of time"; continue; }
  run timeout "$t" "$BIN/relay_loopback_bench" --kinetic "$BIN/kinetic" $RELAY_BASE --subscribers 0 \
    --subscribers-1mbit $SUBS --sub-threads "$SUBTHREADS" $WIN --relay-arg --workers --relay-arg "$w" \
    --json "$OUTDIR/workers$w.json" >"$OUTDIR/workers$w.txt" 2>&1
  note "relay --workers $w, subscribers of 1 Mbit/s $SUBS: exit $?"
done
want goodput && for w in 1 4; do
  t=$(limit 60); [ "$t" = 0 ] && { note "goodput, relay --workers $w: skipped, out of time"; continue; }
  run timeout "$t" "$BIN/relay_loopback_bench" --kinetic "$BIN/kinetic" --subscribers 0 --subscribers-1mbit 0 \
    $BASE --relay-arg --workers --relay-arg "$w" --json "$OUTDIR/goodput$w.json" >"$OUTDIR/goodput$w.txt" 2>&1
  note "goodput baselines, relay --workers $w: exit $?"
done
for f in "$OUTDIR"/workers*.txt "$OUTDIR"/goodput*.txt; do [ -f "$f" ] || continue; echo "--- $(basename "$f")"; grep '^|' "$f" | head -30; done >>"$SUMMARY"
fi

# A worker hop (MoQT over an inproc session) on one thread and across two, where the two threads
# have cores of their own: what the relay's hub costs a track that spans workers.
want hop && {
  step "worker hop"
  t=$(limit 60)
  if [ "$t" = 0 ]; then note "worker hop: skipped, out of time"
  else
    run timeout "$t" "$BIN/moqt_inproc_hop_bench" --benchmark_min_time=$([ "$QUICK" = 1 ] && echo 0.05 || echo 1) \
      --benchmark_format=console >"$OUTDIR/hop.txt" 2>&1
    note "worker hop bench: exit $?"
    grep '^BM_' "$OUTDIR/hop.txt" >>"$SUMMARY"
  fi
}

want kernels && {
step "kernel times at 1920x1080 (ncu, clocks as found)"
make_clips
# Two frames of push + predict skipped (module load, buffers), the next four profiled.
KINETIC_VIDEO_CLIP_DIR=$CLIPS run timeout "$(limit 120)" ncu --clock-control none --metrics gpu__time_duration.sum \
  --csv --print-units base --launch-skip 40 --launch-count 80 "$BIN/video_conjecture_bench" \
  --benchmark_filter='BM_ConjectureGpu/1920/1080' --benchmark_min_time=0.05 >"$OUTDIR/kernels.csv" 2>&1
note "ncu: exit $?"
python3 - "$OUTDIR/kernels.csv" <<'PY' 2>&1 | tee -a "$SUMMARY"
import csv, sys, collections
rows = [r for r in csv.reader(open(sys.argv[1])) if len(r) > 10]
head = rows[0]; k, v = head.index("Kernel Name"), head.index("Metric Value")
t = collections.defaultdict(list)
for r in rows[1:]: t[r[k].split("(")[0]].append(float(r[v].replace(",", "")) / 1e3)
total = sum(sum(x) for x in t.values())
for name, x in sorted(t.items(), key=lambda e: -sum(e[1])):
    print(f"{name:40s} launches {len(x):3d}  total {sum(x):9.1f} us  share {100 * sum(x) / total:5.1f}%")
print(f"all kernels: {total:.1f} us over {len(rows) - 1} launches")
PY
}

step "compute-sanitizer"
if want sanitizer && command -v compute-sanitizer >/dev/null && [ "$QUICK" = 0 ]; then
  for tool in memcheck racecheck; do
    filter='*'; [ $tool = racecheck ] && filter='*Malformed*'
    t=$(limit $([ $tool = memcheck ] && echo 100 || echo 45)); [ "$t" = 0 ] && { note "$tool: skipped, out of time"; continue; }
    run timeout "$t" compute-sanitizer --tool $tool --error-exitcode 9 \
      "$BIN/mock_cuda_video_conjecture_cuda_test" --gtest_filter="$filter" >"$OUTDIR/sanitizer_$tool.txt" 2>&1
    note "compute-sanitizer $tool ($filter): exit $? — $(grep -m1 'ERROR SUMMARY' "$OUTDIR/sanitizer_$tool.txt")"
  done
fi

step done
echo "===== summary"; cat "$SUMMARY"
