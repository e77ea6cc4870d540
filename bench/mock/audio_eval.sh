#!/usr/bin/env bash
# MOCK's audio concealment on footage it was not tuned on, against libopus's PLC/FEC as it comes
# and against silence, by waveform SNR and by fwSNRseg. The clips are made here from Debian's
# tools, so nothing of them is in the repository or in ../shared: English and German speech
# (espeak-ng), plucked guitar chords (sox), pink noise (FFmpeg), plus every shared clip with an
# audio track. Each clip runs through every trace × seed × budget with `kinetic mock-eval
# --audio-only`; the table pools the runs per clip (cases where nothing or everything was late
# are left out: there is nothing to conceal from, or nothing to conceal).
#   bench/mock/audio_eval.sh [--seeds "1 2 3 4 5"] [--traces "wifi lte congested"] [--budgets 50,100,200]
# Needs a built tree (build/apps/kinetic/kinetic); installs espeak-ng and sox when missing.
set -euo pipefail
cd "$(dirname "$0")/../.."
K="$PWD/build/apps/kinetic/kinetic"
seeds="1 2 3 4 5"; traces="wifi lte congested"; budgets="50,100,200"
while [ $# -gt 0 ]; do
  case "$1" in
    --seeds) seeds="$2"; shift 2 ;;
    --traces) traces="$2"; shift 2 ;;
    --budgets) budgets="$2"; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
[ -x "$K" ] || { echo "build first: $K is missing" >&2; exit 1; }
if ! command -v espeak-ng >/dev/null || ! command -v sox >/dev/null; then
  sudo_cmd=""; [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get install -y -q espeak-ng sox >/dev/null
fi
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

espeak-ng -v en-us -s 150 -w "$out/speech_en.wav" "The quick brown fox jumps over the lazy dog. Media over \
QUIC carries live video and audio to many viewers across continents, and a relay keeps the latency under one \
second. When a packet is lost, the player conceals it instead of stopping."
espeak-ng -v de -s 130 -p 70 -w "$out/speech_de.wav" "Guten Tag. Heute sprechen wir über Netzwerke, \
Verzögerung und Verlust. Ein Paket kommt zu spät, und der Empfänger muss raten, was darin war."
sox -n -r 48000 -c 1 -b 16 "$out/chords.wav" synth 3 pluck C3 pluck E3 pluck G3 pluck C4 remix - : \
  synth 3 pluck A2 pluck E3 pluck A3 pluck C4 remix - : synth 3 pluck F2 pluck C3 pluck F3 pluck A3 remix - : \
  synth 3 pluck G2 pluck D3 pluck G3 pluck B3 remix - gain -3
ffmpeg -v error -y -f lavfi -i "anoisesrc=d=10:c=pink:a=0.3:seed=3,lowpass=f=4000" -ar 48000 "$out/pink_noise.wav"
clips=("$out/speech_en.wav" "$out/speech_de.wav" "$out/chords.wav" "$out/pink_noise.wav")
for f in ../shared/media/*; do
  [ -f "$f" ] && ffprobe -v error -select_streams a -show_entries stream=index -of csv=p=0 "$f" 2>/dev/null | grep -q . && clips+=("$f")
done

args=()
for c in "${clips[@]}"; do args+=(--clip "$c"); done
for trace in $traces; do
  for seed in $seeds; do
    "$K" mock-eval --audio-only "${args[@]}" --seconds 0 --trace "$trace" --seed "$seed" --budget-ms "$budgets" \
      --out "$out/$trace-$seed" >"$out/$trace-$seed.log" 2>&1 || { cat "$out/$trace-$seed.log" >&2; exit 1; }
  done
done

echo "command: bench/mock/audio_eval.sh --seeds \"$seeds\" --traces \"$traces\" --budgets $budgets"
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
python3 - "$out" <<'PY'
import json, glob, sys, collections
rows = collections.OrderedDict()
for path in sorted(glob.glob(sys.argv[1] + "/*/mock-eval.json")):
    for a in json.load(open(path))["audio"]:
        r = rows.setdefault(a["name"], collections.defaultdict(float))
        for b in a["budgets"]:
            if b["concealed"] == 0 or b["concealed"] == b["packets"]:
                continue
            r["cases"] += 1
            r["concealed"] += b["concealed"]
            r["fec"] += b["fec"]
            r["raw_fec"] += b["raw_fec"]
            for k in ("conceal_snr_db", "raw_conceal_snr_db", "silence_snr_db", "conceal_fwsnrseg_db",
                      "raw_conceal_fwsnrseg_db", "silence_fwsnrseg_db"):
                r[k] += b[k]
            if b["fec"] > 0:
                r["fec_cases"] += 1
                r["fec_snr_db"] += b["fec_snr_db"]
            r["snr_wins"] += b["conceal_snr_db"] > b["silence_snr_db"]
            r["fw_wins"] += b["conceal_fwsnrseg_db"] > b["silence_fwsnrseg_db"]
            r["raw_snr_wins"] += b["raw_conceal_snr_db"] > b["silence_snr_db"]
print("| clip | cases | concealed | FEC verified / as libopus says | gap SNR dB: MOCK / raw / silence | "
      "gap fwSNRseg dB: MOCK / raw / silence | FEC SNR dB | MOCK beats silence: SNR, fwSNRseg | raw beats silence by SNR |")
print("|---|---|---|---|---|---|---|---|---|")
for name, r in rows.items():
    n = r["cases"] or 1
    fec = f"{r['fec_snr_db'] / r['fec_cases']:.2f}" if r["fec_cases"] else "-"
    print(f"| {name} | {int(r['cases'])} | {int(r['concealed'])} | {int(r['fec'])} / {int(r['raw_fec'])} | "
          f"{r['conceal_snr_db']/n:.2f} / {r['raw_conceal_snr_db']/n:.2f} / {r['silence_snr_db']/n:.2f} | "
          f"{r['conceal_fwsnrseg_db']/n:.2f} / {r['raw_conceal_fwsnrseg_db']/n:.2f} / {r['silence_fwsnrseg_db']/n:.2f} | "
          f"{fec} | {int(r['snr_wins'])}/{int(r['cases'])}, {int(r['fw_wins'])}/{int(r['cases'])} | "
          f"{int(r['raw_snr_wins'])}/{int(r['cases'])} |")
print("(means over the cases; SNR and fwSNRseg against the clean decode of the same packets; raw = libopus PLC/FEC "
      "as it comes; silence = zeros in the gaps)")
PY
