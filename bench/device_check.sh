#!/usr/bin/env bash
# The checks we run on a lent GPU machine, in one go: list the devices, `verify` every op and
# kernel variant, the GEMM micro-benchmark (every path at fp32 and fp16, cooperative matrices
# included), `bench` of the paper's AlexNet (train and infer; train at fp16 too, on the tiled and the
# cooperative-matrix GEMMs), and
# bench/compare_pytorch.py beside PyTorch on the same GPU (fp32, TF32, and AMP against our fp16). Output goes to OUTDIR (default
# ./device-out), a few files, so that a remote runner can bring them back.
#
#   bench/device_check.sh [OUTDIR]
#
# Expects an already built build/alexnet_vk. Each step has its own time limit so that one slow
# step cannot eat the others' time; a failed step is recorded and the rest still run.
set -u
cd "$(dirname "$0")/.."
out=${1:-device-out}
source bench/device_common.sh
step 30 "$log" "$tool" devices
step 120 "$out/verify.txt" "$tool" verify
step 45 "$log" "$tool" bench --gemm 4096
for batch in 32 128; do
  step 45 "$out/bench.txt" "$tool" bench --arch alexnet --batch $batch --iters 10 --warmup 2 --mode train
  step 45 "$out/bench.txt" "$tool" bench --arch alexnet --batch $batch --iters 10 --warmup 2 --mode infer
done
step 45 "$out/bench.txt" "$tool" bench --arch alexnet --batch 128 --iters 10 --warmup 2 --mode train --json
# fp16 storage (issue 16): the same step at --precision fp16, in text and JSON.
step 45 "$out/bench.txt" "$tool" bench --arch alexnet --batch 128 --iters 10 --warmup 2 --mode train --precision fp16
step 45 "$out/bench.txt" "$tool" bench --arch alexnet --batch 128 --iters 10 --warmup 2 --mode train --precision fp16 --json
# The same on the cooperative-matrix core: per-layer GFLOP/s against `bench --gemm`'s best fp16 rate.
step 45 "$out/bench.txt" "$tool" bench --arch alexnet --batch 128 --iters 10 --warmup 2 --mode train --precision fp16 --gemm-path coopmat
step 45 "$out/bench.txt" "$tool" bench --arch alexnet --batch 128 --iters 10 --warmup 2 --mode train --precision fp16 --gemm-path coopmat --json
for batch in 32 128; do
  step 90 "$out/compare.txt" env PYTHONUNBUFFERED=1 python3 bench/compare_pytorch.py --batch $batch --iters 10 --warmup 3
done
step 90 "$out/compare.txt" env PYTHONUNBUFFERED=1 python3 bench/compare_pytorch.py --batch 128 --iters 10 --warmup 3 --tf32
step 90 "$out/compare.txt" env PYTHONUNBUFFERED=1 python3 bench/compare_pytorch.py --batch 128 --iters 10 --warmup 3 --amp --vk-precision fp16
step 90 "$out/compare.txt" env PYTHONUNBUFFERED=1 python3 bench/compare_pytorch.py --batch 128 --iters 10 --warmup 3 --amp --vk-precision fp16 --vk-gemm-path coopmat --modes train
tail -n 3 "$out/verify.txt" >>"$log"
