#!/usr/bin/env bash
# Installs what building and the main job need (scripts/setup.sh build), then configures and
# builds alexnet_vk into build/ (tool: build/alexnet_vk). Extra arguments go to CMake's
# configure step, e.g. scripts/build.sh -DALEXNET_VK_TESTS=ON. The tests are built when GoogleTest
# is installed (scripts/setup.sh test installs it; scripts/test.sh does all of that and runs them).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh build
echo "build: configuring build/ (Release)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release "$@" >/dev/null
cmake --build build -j"$(nproc)"
