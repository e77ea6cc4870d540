# What the benchmark scripts that run `kinetic` processes share, sourced after their options are
# parsed, from the repository root with K set to the `kinetic` binary: a check that it is built,
# a scratch folder $out (removed at exit unless KEEP_OUT=1, for scripts that point at their logs),
# the background processes they start (each PID appended to `pids`, all stopped at exit), and
# `wait_for LOG TEXT`, which fails after 15 s without TEXT in LOG.
[ -x "$K" ] || { echo "build first: $K is missing" >&2; exit 1; }
out="$(mktemp -d)"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ "${KEEP_OUT:-0}" = 1 ] || rm -rf "$out"
}
trap cleanup EXIT
wait_for() {
  for _ in $(seq 150); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
  echo "timed out waiting for '$2' in $1" >&2
  return 1
}
