#!/usr/bin/env python3
"""alexnet_vk versus PyTorch on the same network, batch and input size, in one run.

    python3 bench/compare_pytorch.py [--arch alexnet] [--batch 32] [--input-size 224] [--iters 5]
                                     [--tf32] [--amp] [--vk-precision fp16] [--vk-gemm-path coopmat]

Builds the paper's AlexNet in PyTorch (bench/alexnet_torch.py: LRN as the paper defines it,
conv2/4/5 in 2 groups, conv1 padded 0 before and 3 after at 224, dropout 0.5, fp32), times a
training step (forward, cross-entropy, backward, SGD with momentum 0.9 and weight decay 5e-4) and
an inference pass (forward + softmax, no grad) on the CPU, or on CUDA when PyTorch has it; then
runs `alexnet_vk bench --json` with the same arch, batch, input size, class count, iterations and
warm-up in both modes, and prints images/s for each and the ratio alexnet_vk / PyTorch.

Both sides use synthetic inputs (pixels ~ N(0, 50), random labels) and report the median step.
PyTorch runs with as many threads as the machine has cores (--threads). PyTorch is optional for
the project; on Debian 12: apt-get install python3-torch libopenblas0-pthread.
"""

import argparse
import contextlib
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from torch_import import import_torch  # noqa: E402

torch = import_torch()
import alexnet_torch  # noqa: E402


def blas_backend():
    """BLAS_INFO from the build, plus the BLAS library actually mapped into this process (Debian
    builds against the generic libblas.so.3, which the alternatives system points at OpenBLAS,
    BLIS or the reference BLAS)."""
    config = torch.__config__.show()
    info = re.search(r"BLAS_INFO=([^,\s]+)", config)
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))  # make sure the BLAS is loaded
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                if re.search(r"blas|mkl_rt|libmkl|blis", os.path.basename(path)):
                    libs.add(os.path.realpath(path))
    except OSError:
        pass
    return {"blas_info": info.group(1) if info else "?", "loaded": sorted(libs),
            "mkldnn": bool(torch.backends.mkldnn.is_available())}


def cpu_name():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def time_torch(args, device, train):
    torch.manual_seed(1)
    arch = alexnet_torch.make_arch(args.arch, args.classes, 3, args.input_size)
    model = alexnet_torch.AlexNet(arch)
    model.paper_init()
    model.to(device)
    g = torch.Generator().manual_seed(7)
    x = (torch.randn(args.batch, 3, arch["in_size"], arch["in_size"], generator=g) * 50).to(device)
    y = torch.randint(0, args.classes, (args.batch,), generator=g).to(device)
    opt = alexnet_torch.sgd_paper(model, lr=1e-4)  # alexnet_vk bench uses lr 1e-4 too
    # --amp: PyTorch's mixed precision as its users train: fp16 autocast, a dynamic loss scale.
    scaler = torch.cuda.amp.GradScaler() if args.amp else None
    model.train(train)
    times = []
    for it in range(args.warmup + args.iters):
        sync(device)
        t0 = time.perf_counter()
        with torch.autocast(device.type, dtype=torch.float16) if args.amp else contextlib.nullcontext():
            if train:
                opt.zero_grad(set_to_none=False)
                loss = torch.nn.functional.cross_entropy(model(x), y)
                if scaler:
                    scaler.scale(loss).backward()
                    scaler.step(opt)
                    scaler.update()
                else:
                    loss.backward()
                    opt.step()
            else:
                with torch.no_grad():
                    torch.softmax(model(x), dim=1)
        sync(device)
        if it >= args.warmup:
            times.append(time.perf_counter() - t0)
    ms = statistics.median(times) * 1000
    return {"ms_per_step": ms, "images_per_second": args.batch / (ms / 1000), "ms_min": min(times) * 1000,
            "ms_max": max(times) * 1000}


def run_vk(args, mode):
    cmd = [args.tool, "bench", "--arch", args.arch, "--batch", str(args.batch), "--input-size",
           str(args.input_size), "--classes", str(args.classes), "--iters", str(args.iters), "--warmup",
           str(args.warmup), "--mode", mode, "--json"]
    if args.vk_device is not None:
        cmd += ["--device", str(args.vk_device)]
    if args.vk_precision:
        cmd += ["--precision", args.vk_precision]
    if args.vk_gemm_path:
        cmd += ["--gemm-path", args.vk_gemm_path]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out[out.index("{"):]), " ".join(cmd)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--arch", default="alexnet", choices=["alexnet", "alexnet-small"])
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--input-size", type=int, default=None, help="default: 224 (alexnet), 28 (alexnet-small)")
    ap.add_argument("--classes", type=int, default=1000)
    ap.add_argument("--iters", type=int, default=5, help="timed steps (median reported)")
    ap.add_argument("--warmup", type=int, default=1, help="untimed steps first")
    ap.add_argument("--tool", default=os.path.join(HERE, "..", "build", "alexnet_vk"), help="alexnet_vk binary")
    ap.add_argument("--device", default=None, help="PyTorch device: cpu or cuda (default: cuda when available)")
    ap.add_argument("--vk-device", type=int, default=None, help="alexnet_vk device index (default: its own choice)")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="PyTorch CPU threads (default: all cores)")
    ap.add_argument("--modes", default="train,infer", help="comma-separated: train, infer")
    ap.add_argument("--skip-vk", action="store_true", help="time PyTorch only")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--tf32", action="store_true",
                    help="let cuDNN/cuBLAS use TF32 tensor cores (PyTorch's default for convolutions); "
                         "off by default so that both sides compute in fp32 as alexnet_vk does")
    ap.add_argument("--amp", action="store_true",
                    help="PyTorch with automatic mixed precision (fp16 autocast and GradScaler); CUDA only")
    ap.add_argument("--vk-precision", choices=["fp32", "fp16"], default=None,
                    help="alexnet_vk bench --precision (default: its own, fp32)")
    ap.add_argument("--vk-gemm-path", choices=["auto", "tiled", "texel", "coopmat"], default=None,
                    help="alexnet_vk bench --gemm-path (default: its own, the device's default path)")
    args = ap.parse_args()
    if args.input_size is None:
        args.input_size = 224 if args.arch == "alexnet" else 28
    modes = [m for m in args.modes.split(",") if m]
    if not modes or any(m not in ("train", "infer") for m in modes):
        ap.error("--modes takes train and/or infer")

    torch.set_num_threads(args.threads)
    torch.backends.cudnn.allow_tf32 = args.tf32
    torch.backends.cuda.matmul.allow_tf32 = args.tf32
    device = torch.device(args.device or ("cuda" if torch.cuda.is_available() else "cpu"))
    if args.amp and device.type != "cuda":
        ap.error("--amp needs a CUDA device: PyTorch's fp16 autocast and GradScaler are CUDA features")
    env = {"torch_version": torch.__version__, "torch_device": str(device),
           "torch_device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else cpu_name(),
           "torch_threads": torch.get_num_threads(), "tf32": args.tf32, "amp": args.amp, "cpu_count": os.cpu_count(), "blas": blas_backend()}
    result = {"arch": args.arch, "batch": args.batch, "input_size": args.input_size, "classes": args.classes,
              "iters": args.iters, "warmup": args.warmup, "env": env, "modes": {}}
    for mode in modes:
        r = {"pytorch": time_torch(args, device, mode == "train")}
        if not args.skip_vk:
            vk, cmd = run_vk(args, mode)
            r["alexnet_vk"] = {k: vk[k] for k in ("ms_per_step", "images_per_second", "ms_min", "ms_max",
                                                  "gpu_ms_per_step", "micro_batch", "device")}
            r["alexnet_vk_command"] = cmd
            r["ratio_vk_over_torch"] = vk["images_per_second"] / r["pytorch"]["images_per_second"]
        result["modes"][mode] = r

    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(f"{args.arch} {args.input_size}x{args.input_size}, batch {args.batch}, {args.classes} classes, "
          f"median of {args.iters} after {args.warmup} warm-up")
    print(f"PyTorch {env['torch_version']} on {env['torch_device']} ({env['torch_device_name']}), "
          f"{env['torch_threads']} threads of {env['cpu_count']} cores; BLAS {env['blas']['blas_info']} "
          f"{' '.join(env['blas']['loaded']) or '(no BLAS library mapped)'}; oneDNN {env['blas']['mkldnn']}"
          + (f"; TF32 {'on' if args.tf32 else 'off'}; AMP {'fp16' if args.amp else 'off'}" if device.type == "cuda" else ""))
    vk_device = next((r["alexnet_vk"]["device"] for r in result["modes"].values() if "alexnet_vk" in r), None)
    if vk_device:
        print(f"alexnet_vk on {vk_device} ({os.path.relpath(args.tool)})")
    print(f"{'mode':<6} {'PyTorch img/s':>14} {'alexnet_vk img/s':>17} {'vk / torch':>11}")
    for mode, r in result["modes"].items():
        t = r["pytorch"]["images_per_second"]
        if "alexnet_vk" in r:
            v = r["alexnet_vk"]["images_per_second"]
            print(f"{mode:<6} {t:>14.2f} {v:>17.2f} {r['ratio_vk_over_torch']:>11.3f}")
        else:
            print(f"{mode:<6} {t:>14.2f} {'-':>17} {'-':>11}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
