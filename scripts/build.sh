#!/usr/bin/env bash
# build.sh [BUILD_DIR] [cmake args...] - configure and build maillens (Release).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "$@" > /dev/null
ninja -C "$dir"
