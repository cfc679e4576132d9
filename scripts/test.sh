#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test with the Vulkan validation layer on.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
# The layer is installed by setup.sh, so require it: a silently missing layer would hide bugs.
export ALEXNET_VK_EXPECT_VALIDATION=1
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 600
