#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs dependencies, builds, starts a relay with a
# self-signed certificate, publishes the demo clip into it in a loop, and shows how to watch it.
# Ctrl-C stops everything. Environment: KINETIC_PORT (default 4443), KINETIC_DEMO_SECONDS (run for
# N seconds then stop; default: until Ctrl-C).
set -euo pipefail
cd "$(dirname "$0")/.."

port="${KINETIC_PORT:-4443}"
scripts/install-deps.sh
scripts/build.sh default
K="$PWD/build/apps/kinetic/kinetic"

run_dir="$(mktemp -d)"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

"$K" cert --out "$run_dir" --host localhost --host 127.0.0.1 >"$run_dir/cert.txt"
hash_hex="$(sed -n 's/^sha256 hex: *//p' "$run_dir/cert.txt")"
# The browser player (web/), served by the relay itself; its MOCK is build/web/kinetic_mock.wasm.
node web/build.mjs --out "$run_dir/www" --wasm build/web >/dev/null
"$K" relay --listen "127.0.0.1:$port" --cert "$run_dir/cert.pem" --key "$run_dir/key.pem" \
  --metrics-listen 127.0.0.1:9464 --web-root "$run_dir/www" >"$run_dir/relay.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do grep -q "listening" "$run_dir/relay.log" && break; sleep 0.1; done

# The clip is silent; a beeping 440 Hz tone in Opus (in-band FEC on) gives the player something to
# play and to conceal.
clip="$run_dir/demo.mp4"
ffmpeg -v error -y -i assets/vtest_10s.mp4 -f lavfi -i "sine=frequency=440:beep_factor=4:duration=10" \
  -map 0:v -map 1:a -c:v copy -c:a libopus -b:a 48k -ac 1 -frame_duration 20 -fec 1 -packet_loss 10 \
  -movflags cmaf+frag_keyframe+empty_moov -shortest "$clip"
"$K" pub "moqt://127.0.0.1:$port" --namespace demo --input "$clip" --loop --insecure \
  >"$run_dir/pub.log" 2>&1 &
pids+=($!)

# The relay serves pages over HTTP/3 only, with a self-signed certificate: Chromium reaches it
# when told to use QUIC for that origin and to trust the certificate's key (SPKI SHA-256).
spki="$(openssl x509 -in "$run_dir/cert.pem" -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64)"
url="https://127.0.0.1:$port/?hash=$hash_hex&ns=demo"

cat <<MSG
Kinetic demo running

  $url

  open it:  chromium --origin-to-force-quic-on=127.0.0.1:$port --ignore-certificate-errors-spki-list=$spki '$url'
            (the player: WebTransport, WebCodecs, MOCK in WebAssembly; click for sound)

  relay     moqt://127.0.0.1:$port  and  https://127.0.0.1:$port/moq (WebTransport)
  auth      none: the relay listens on 127.0.0.1 only, so anyone on this machine may publish and watch
            (elsewhere a relay needs --auth-key and tokens from \`kinetic token\`, or --public)
  broadcast namespace "demo": catalog, video0 (assets/vtest_10s.mp4 in a loop, H.264, LOC), audio0 (Opus tone)
  metrics   curl http://127.0.0.1:9464/metrics
  cert      $(cat "$run_dir/cert.txt" | tr '\n' ' ')
  logs      $run_dir/{relay,pub}.log

Watch it (another terminal):
  $K play moqt://127.0.0.1:$port --namespace demo --insecure              (a window with MOCK; o: overlay)
  $K play moqt://127.0.0.1:$port --namespace demo --insecure --headless --duration 10 --log slots.jsonl
  $K sub moqt://127.0.0.1:$port --namespace demo --insecure --stats --output - | ffplay -
  $K sub moqt://127.0.0.1:$port --namespace demo --insecure --stats --output demo.mp4 --duration 10
Ctrl-C stops the demo.
MSG

if [ -n "${KINETIC_DEMO_SECONDS:-}" ]; then
  sleep "$KINETIC_DEMO_SECONDS"
else
  wait "${pids[0]}"
fi
