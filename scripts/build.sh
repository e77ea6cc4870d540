#!/usr/bin/env bash
# Configures and builds one preset (default, or asan: the sanitizer tree, which holds the fuzzers
# too) with two jobs, the machine's size.
# Extra arguments go to the configure step (e.g. -DKINETIC_LAYERS="wire;mock").
set -euo pipefail
cd "$(dirname "$0")/.."
preset="${1:-default}"
shift || true
case "$preset" in
  default) dir=build ;;
  *) dir="build-$preset" ;;
esac
cmake --preset "$preset" "$@" >/dev/null
cmake --build "$dir" -j "${KINETIC_JOBS:-2}"
