#!/usr/bin/env bash
# Installs the Debian 12 packages alexnet_vk needs, when they are missing: the one list of them.
#
#   scripts/setup.sh build   what building the tool and running the main job need
#   scripts/setup.sh test    that, and what the tests, the sanitizers and the fuzzers need
#   scripts/setup.sh         the same as `test`
#
# Safe to run again: it installs only what is absent. Root runs apt-get itself; anyone else needs
# sudo (and is told what to run without it).
set -euo pipefail

group=${1:-test}

build_packages=(
  cmake make g++ pkg-config
  glslc                      # shaders are compiled at build time
  libvulkan-dev              # Vulkan loader and headers
  mesa-vulkan-drivers        # lavapipe: Vulkan on the CPU, so everything runs without a GPU
  libpng-dev libjpeg62-turbo-dev zlib1g-dev
  libxxhash-dev              # XXH3, the packed data format's checksum
  libcli11-dev nlohmann-json3-dev
  dataset-fashion-mnist      # the built-in default training data
)
test_packages=(
  libgtest-dev               # the suite; without it CMake builds the tool alone
  vulkan-validationlayers    # tests run with the Khronos validation layer on
  # data-parallel training (mpirun -np N alexnet_vk train) and its tests (tests/distributed);
  # without it the tool builds and trains as one process
  openmpi-bin libopenmpi-dev
  # scripts/sanitize.sh and tests/fuzz/run.sh: clang with ASan/UBSan/libFuzzer runtimes (not a
  # dependency of clang-14 under --no-install-recommends) and llvm-symbolizer for readable reports
  clang-14 libclang-rt-14-dev llvm-14
)

case "$group" in
  build) packages=("${build_packages[@]}") ;;
  test) packages=("${build_packages[@]}" "${test_packages[@]}") ;;
  *) echo "usage: scripts/setup.sh [build|test]" >&2; exit 2 ;;
esac

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null; then
    echo "setup: installing packages needs root; run as root: apt-get update && apt-get install --no-install-recommends ${missing[*]}" >&2
    exit 1
  fi
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
$sudo env DEBIAN_FRONTEND=noninteractive apt-get update
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"
