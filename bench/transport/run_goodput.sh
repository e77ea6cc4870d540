#!/usr/bin/env bash
# QUIC goodput on loopback: Kinetic's `kinetic quic-perf` over raw QUIC and over a
# WebTransport stream (HTTP/3), against the Debian-packaged ngtcp2 examples (gtlsserver/
# gtlsclient, HTTP/3 over the same ngtcp2 0.12 + GnuTLS), in the same run, one connection
# and N parallel connections. Prints a Markdown table with goodput and CPU seconds per GB
# (server + client processes) and each row's ratio to the baseline.
#
# usage: bench/transport/run_goodput.sh [MB per connection] [parallel connections] [repeats]
#   KINETIC=path/to/kinetic (default build-quic/apps/kinetic/kinetic)
# needs: apt-get install ngtcp2-server ngtcp2-client
set -euo pipefail

MB=${1:-1000}
PAR=${2:-10}
REPEATS=${3:-3}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KINETIC=${KINETIC:-$ROOT/build-quic/apps/kinetic/kinetic}
PORT_OURS=${PORT_OURS:-24433}
PORT_BASE=${PORT_BASE:-24434}
command -v gtlsserver >/dev/null || { echo "gtlsserver missing: apt-get install ngtcp2-server ngtcp2-client" >&2; exit 1; }
[ -x "$KINETIC" ] || { echo "build kinetic first ($KINETIC)" >&2; exit 1; }

WORK=$(mktemp -d)
SERVER_PID=""
cleanup() { [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

"$KINETIC" cert --out "$WORK" >/dev/null
BYTES=$((MB * 1000 * 1000))
mkdir -p "$WORK/htdocs"
head -c "$BYTES" /dev/zero > "$WORK/htdocs/blob"
TICKS=$(getconf CLK_TCK)

# CPU seconds (user + system) a live process has used so far.
proc_cpu() { awk -v t="$TICKS" '{ printf "%.3f", ($14 + $15) / t }' "/proc/$1/stat"; }

# Runs the client command line given N times in parallel; prints "wall cpu".
run_clients() {
  local n=$1; shift
  local start end cpu=0
  start=$(date +%s.%N)
  for i in $(seq "$n"); do
    /usr/bin/time -f "%U %S" -o "$WORK/time.$i" "$@" >"$WORK/out.$i" 2>&1 &
  done
  wait
  end=$(date +%s.%N)
  for i in $(seq "$n"); do
    cpu=$(awk -v c="$cpu" '{ print c + $1 + $2 }' "$WORK/time.$i")
  done
  echo "$(echo "$end - $start" | bc -l) $cpu"
}

# start_ours [--webtransport]
start_ours() {
  "$KINETIC" quic-perf server "$@" --address "127.0.0.1:$PORT_OURS" --cert "$WORK/cert.pem" --key "$WORK/key.pem" \
    >"$WORK/ours.log" 2>&1 &
  SERVER_PID=$!
  sleep 0.5
}
start_base() {
  gtlsserver -q --no-quic-dump --no-http-dump -d "$WORK/htdocs" 127.0.0.1 "$PORT_BASE" "$WORK/key.pem" "$WORK/cert.pem" \
    >"$WORK/base.log" 2>&1 &
  SERVER_PID=$!
  sleep 0.5
}
stop_server() { kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; SERVER_PID=""; }

# measure <impl> <connections>: prints "goodput_mbps cpu_s_per_GB" (best of REPEATS by goodput)
measure() {
  local impl=$1 n=$2 best_g=0 best_c=0
  for r in $(seq "$REPEATS"); do
    case "$impl" in
      quic) start_ours ;;
      wt) start_ours --webtransport ;;
      *) start_base ;;
    esac
    local s0; s0=$(proc_cpu "$SERVER_PID")
    local res
    if [ "$impl" != base ]; then
      local mode=(); [ "$impl" = wt ] && mode=(--webtransport)
      res=$(run_clients "$n" "$KINETIC" quic-perf client "${mode[@]}" --address "127.0.0.1:$PORT_OURS" --cert "$WORK/cert.pem" --bytes "$BYTES")
    else
      res=$(run_clients "$n" gtlsclient -q --no-quic-dump --no-http-dump --exit-on-all-streams-close \
        127.0.0.1 "$PORT_BASE" "https://127.0.0.1:$PORT_BASE/blob")
    fi
    local s1; s1=$(proc_cpu "$SERVER_PID")
    stop_server
    local wall=${res% *} ccpu=${res#* }
    local g; g=$(echo "$BYTES * $n * 8 / $wall / 1000000" | bc -l)
    local c; c=$(echo "($s1 - $s0 + $ccpu) / ($BYTES * $n / 1000000000)" | bc -l)
    if (( $(echo "$g > $best_g" | bc -l) )); then best_g=$g; best_c=$c; fi
  done
  printf "%.0f %.2f" "$best_g" "$best_c"
}

echo "Loopback goodput, $MB MB per connection, best of $REPEATS ($(nproc) cores, $(uname -r))"
echo
echo "| case | connections | Mbit/s | CPU s/GB | goodput vs ngtcp2 | CPU vs ngtcp2 (base/ours) |"
echo "|---|---|---|---|---|---|"
for n in 1 "$PAR"; do
  read -r qg qc <<<"$(measure quic "$n")"
  read -r wg wc_ <<<"$(measure wt "$n")"
  read -r bg bc_ <<<"$(measure base "$n")"
  printf "| kinetic raw QUIC | %s | %s | %s | %.2fx | %.2fx |\n" "$n" "$qg" "$qc" \
    "$(echo "$qg / $bg" | bc -l)" "$(echo "$bc_ / $qc" | bc -l)"
  printf "| kinetic WebTransport | %s | %s | %s | %.2fx | %.2fx |\n" "$n" "$wg" "$wc_" \
    "$(echo "$wg / $bg" | bc -l)" "$(echo "$bc_ / $wc_" | bc -l)"
  printf "| ngtcp2 gtlsserver/gtlsclient (HTTP/3) | %s | %s | %s | 1.00x | 1.00x |\n" "$n" "$bg" "$bc_"
done
