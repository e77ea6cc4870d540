#!/usr/bin/env bash
# The main job on a fresh Debian 12 machine: installs dependencies, builds, and shows what
# `kinetic` does.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh default
./build/apps/kinetic/kinetic --version
./build/apps/kinetic/kinetic --help
