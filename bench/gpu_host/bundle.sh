#!/usr/bin/env bash
# Packs what bench/gpu_host/run.sh needs on a GPU host that has CUDA's driver but none of
# Debian's packages: the CUDA equality test, the conjecture bench, the relay bench, the worker-hop bench and a kinetic
# CLI with only `relay` and `quic-perf` (linked here from the build's objects with --as-needed,
# so that FFmpeg's and GStreamer's ~180 MB of libraries stay behind), stripped, with every shared
# library they load except glibc's own (the host's glibc is newer; its libstdc++ may not be).
#
# usage: bench/gpu_host/bundle.sh [BUILD_DIR]      (default build; writes .gpu_host/bundle.tar.xz)
#   BEFORE_BENCH=path also packs an earlier video_conjecture_bench, which run.sh times beside the new one
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${1:-$ROOT/build}
STAGE=$(mktemp -d)
trap 'rm -rf "$STAGE"' EXIT
mkdir -p "$STAGE/bin" "$STAGE/lib"
# The CLI's own link line, with two subcommands' objects instead of every one.
(cd "$BUILD" && ninja apps/kinetic/kinetic >/dev/null && ninja -t commands apps/kinetic/kinetic | tail -1) |
  sed -E -e 's#apps/kinetic/CMakeFiles/kinetic.dir/cmd_[a-z_]+\.cpp\.o##g' \
    -e "s#-o apps/kinetic/kinetic#apps/kinetic/CMakeFiles/kinetic.dir/cmd_relay.cpp.o apps/kinetic/CMakeFiles/kinetic.dir/cmd_quic_perf.cpp.o -Wl,--as-needed -o $STAGE/kinetic#" \
    -e 's#^: && ##; s# && :$##' >"$STAGE/link.sh"
(cd "$BUILD" && sh "$STAGE/link.sh")
BINS=(
  "$BUILD/tests/mock/mock_cuda_video_conjecture_cuda_test"
  "$BUILD/bench/mock/video_conjecture_bench"
  "$BUILD/bench/relay/relay_loopback_bench"
  "$BUILD/bench/moqt/moqt_inproc_hop_bench"
  "$STAGE/kinetic"
)
# BEFORE_BENCH=path: an earlier build's video_conjecture_bench, run beside the new one (same session on the host).
[ -n "${BEFORE_BENCH:-}" ] && cp "$BEFORE_BENCH" "$STAGE/video_conjecture_bench_before" &&
  BINS+=("$STAGE/video_conjecture_bench_before")
for b in "${BINS[@]}"; do
  [ -x "$b" ] || { echo "missing $b: build it first" >&2; exit 1; }
  strip -o "$STAGE/bin/$(basename "$b")" "$b"
done
# glibc's libraries must come from the host, together with its loader.
GLIBC='^(libc|libm|libdl|libpthread|librt|libresolv|libutil|libanl|libnsl|ld-linux-x86-64)\.so'
ldd "${BINS[@]}" | awk '/=> \//{print $3}' | sort -u | while read -r lib; do
  name=$(basename "$lib")
  [[ $name =~ $GLIBC ]] && continue
  strip -o "$STAGE/lib/$name" "$lib" 2>/dev/null || cp -L "$lib" "$STAGE/lib/$name"
done
# The test finds its data frames under the source path compiled into it.
grep -m1 '^CMAKE_HOME_DIRECTORY' "$BUILD/CMakeCache.txt" | cut -d= -f2 >"$STAGE/source_dir"
mkdir -p "$ROOT/.gpu_host"
# Real footage for the conjecture bench; the host has no ffmpeg CLI, so run.sh decodes it there
# with OpenCV.
[ -f "$ROOT/../shared/media/vtest.avi" ] && cp "$ROOT/../shared/media/vtest.avi" "$ROOT/.gpu_host/"
tar -C "$STAGE" -cJf "$ROOT/.gpu_host/bundle.tar.xz" bin lib source_dir
du -h "$ROOT/.gpu_host/bundle.tar.xz"
