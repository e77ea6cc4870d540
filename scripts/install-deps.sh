#!/usr/bin/env bash
# Installs everything Kinetic builds and tests with, from Debian 12's packages (and npm for
# the browser pieces). Idempotent: packages already present are skipped by apt-get itself.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

PACKAGES=(
  build-essential cmake ninja-build pkg-config git clang libclang-rt-14-dev
  libgtest-dev libgmock-dev libbenchmark-dev
  libngtcp2-dev libngtcp2-crypto-gnutls-dev libnghttp3-dev libgnutls28-dev gnutls-bin
  libspdlog-dev libfmt-dev libcli11-dev nlohmann-json3-dev libtomlplusplus-dev libcpp-httplib-dev libcbor-dev
  libavformat-dev libavcodec-dev libavutil-dev libswscale-dev libswresample-dev libopus-dev
  libsdl2-dev libsdl2-ttf-dev fonts-dejavu-core xvfb xauth
  ffmpeg gnuplot-nox python3
  chromium ngtcp2-server ngtcp2-client
  # WHIP/WHEP gateway: webrtcbin (plugins-bad), RTP (plugins-good), ICE (libnice), HTTP (libsoup 3)
  libgstreamer1.0-dev libgstreamer-plugins-base1.0-dev libgstreamer-plugins-bad1.0-dev
  gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-nice
  libnice-dev libsoup-3.0-dev curl
  # MOCK in WebAssembly for the browser player (web/wasm): emcc 3.1.6
  emscripten
)
# Node.js + npm for the browser tests and the web player; a machine that already has a
# newer Node (e.g. from another source) keeps it.
command -v node >/dev/null 2>&1 || PACKAGES+=(nodejs)
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# npm packages of the browser tests (playwright-core drives Debian's chromium; no browser download).
for dir in tests/browser tests/interop/moqnet web; do
  if [ -f "$dir/package-lock.json" ] && { [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules" ]; }; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
done
