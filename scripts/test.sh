#!/usr/bin/env bash
# Installs what the tests need too (scripts/setup.sh test: GoogleTest, the Vulkan validation
# layer, clang for the sanitizers and fuzzers), builds with the tests, and runs every test with
# the validation layer on.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
scripts/build.sh -DALEXNET_VK_TESTS=ON
# The layer is installed by setup.sh, so require it: a silently missing layer would hide bugs.
export ALEXNET_VK_EXPECT_VALIDATION=1
ctest --test-dir build --output-on-failure -j"$(nproc)" --timeout 600
