#!/usr/bin/env bash
# The two-device path and the kernel checks on a lent GPU, in one go: `verify` of every op and
# variant (with the elements of one check printed, for chasing a driver-specific failure), `bench`
# of the paper's AlexNet and alexnet-small on one device and split over two logical devices on
# the same GPU (--devices 0,0), and the split-network tests when their binary is there.
#
#   bench/device_split_check.sh [OUTDIR] [VERIFY_DUMP [DUMP_OP]]
#
# VERIFY_DUMP: print every element of the checks whose "op shape" contains it (verify is rerun
# with --filter DUMP_OP, default "fc").
#
# Expects a built build/alexnet_vk (and optionally build/tests/model_tests). Each step has its own
# time limit; a failed step is recorded and the rest still run.
set -u
cd "$(dirname "$0")/.."
out=${1:-device-out}
dump=${2:-}
dump_op=${3:-fc}
source bench/device_common.sh
step 30 "$log" "$tool" devices
step 150 "$out/verify.txt" "$tool" verify
if [ -n "$dump" ]; then step 30 "$out/dump.txt" env ALEXNET_VK_VERIFY_DUMP="$dump" "$tool" verify --filter "$dump_op"; fi
for devices in "--device 0" "--devices 0,0"; do
  step 60 "$out/bench.txt" "$tool" bench --arch alexnet --batch 128 --iters 5 --warmup 2 --mode train $devices
  step 60 "$out/bench.txt" "$tool" bench --arch alexnet-small --classes 10 --batch 128 --iters 5 --warmup 2 --mode train $devices
done
if [ -x build/tests/model_tests ]; then step 120 "$out/split_tests.txt" build/tests/model_tests --gtest_filter='*Split*'; fi
tail -n 3 "$out/verify.txt" >>"$log"
