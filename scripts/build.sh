#!/usr/bin/env bash
# Installs what is missing, then configures and builds alexnet_vk into build/ (tool: build/alexnet_vk).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc)"
