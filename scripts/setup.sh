#!/usr/bin/env bash
# Installs the Debian 12 packages alexnet_vk needs to build, test and train, when they are missing.
# Safe to run again: it installs only what is absent.
set -euo pipefail

packages=(
  cmake make g++ pkg-config
  glslc                      # shaders are compiled at build time
  libvulkan-dev              # Vulkan loader and headers
  mesa-vulkan-drivers        # lavapipe: Vulkan on the CPU, so everything runs without a GPU
  vulkan-validationlayers    # tests run with the Khronos validation layer on
  libpng-dev libjpeg62-turbo-dev zlib1g-dev
  libxxhash-dev              # XXH3, the packed data format's checksum
  libgtest-dev libcli11-dev nlohmann-json3-dev
  dataset-fashion-mnist      # the built-in default training data
  # scripts/sanitize.sh and tests/fuzz/run.sh: clang with ASan/UBSan/libFuzzer runtimes (not a
  # dependency of clang-14 under --no-install-recommends) and llvm-symbolizer for readable reports
  clang-14 libclang-rt-14-dev llvm-14
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
