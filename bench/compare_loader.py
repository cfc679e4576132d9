#!/usr/bin/env python3
"""The alexnet_vk data loader against torchvision's, on the same photographs, in one run.

    python3 bench/compare_loader.py --folder DIR --packed DIR [--workers 1] [--batches 20]
                                    [--batch 128] [--tool build/alexnet_vk] [--json]

--folder is an ImageNet-layout folder (DIR/train/<class>/*.jpg, DIR/val/...; bench/make_photo_folder.sh
makes one), --packed the same folder after `alexnet_vk prepare --data DIR --out PACKED`.

torchvision: datasets.ImageFolder(DIR/train) with Resize(256), RandomCrop(224),
RandomHorizontalFlip() and PILToTensor() (uint8 CHW, like our uint8 batches) or ToTensor() (float),
in a DataLoader with --workers worker processes, batch --batch, shuffled. alexnet_vk: `bench
--loader-only` on the folder and on the packed data with --threads = --workers, the paper's
training augmentation (224 crops of the 256 short side / 256x256 centre, flips, PCA lighting; its
centre 256x256 step and PCA are work torchvision's pipeline does not do).

Each pipeline runs --warmup untimed batches (worker start-up), then --batches timed ones. Two rates
per pipeline: images per second of wall time, and images per CPU second (the CPU time of every
process and thread of the pipeline over the timed batches: the DataLoader's main process and its
workers; our whole process). On a machine shared with other work the wall rate measures the share
the pipeline got; the CPU rate is its cost, what one core would sustain, and what the "cores
needed" lines divide by.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from torch_import import import_torch  # noqa: E402

torch = import_torch()

TARGETS = (3750, 10000)  # images/s: the paper net on an H100 today (docs/results/nvidia-h100.md), and a goal


def cpu_of(pid):
    """utime + stime of a process, in seconds (/proc/PID/stat fields 14 and 15)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def self_cpu():
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def time_torchvision(args, tensor):
    from torchvision import datasets, transforms

    to_tensor = transforms.PILToTensor() if tensor == "uint8" else transforms.ToTensor()
    transform = transforms.Compose([transforms.Resize(256), transforms.RandomCrop(224),
                                    transforms.RandomHorizontalFlip(), to_tensor])
    dataset = datasets.ImageFolder(os.path.join(args.folder, "train"), transform=transform)
    torch.manual_seed(1)
    loader = torch.utils.data.DataLoader(dataset, batch_size=args.batch, shuffle=True, num_workers=args.workers,
                                         drop_last=True, persistent_workers=True)
    needed = args.warmup + args.batches
    if needed > len(loader):
        sys.exit(f"compare_loader: {args.folder}/train has {len(loader)} batches of {args.batch}, fewer than {needed}")
    it = iter(loader)
    pids = [w.pid for w in getattr(it, "_workers", [])]  # the worker processes
    for _ in range(args.warmup):
        next(it)
    wall0, cpu0 = time.perf_counter(), self_cpu() + sum(cpu_of(p) for p in pids)
    images = 0
    for _ in range(args.batches):
        x, _labels = next(it)
        images += x.shape[0]
    wall, cpu = time.perf_counter() - wall0, self_cpu() + sum(cpu_of(p) for p in pids) - cpu0
    del it, loader
    return {"pipeline": f"torchvision ImageFolder, {tensor}", "images": images, "seconds": wall,
            "images_per_second": images / wall, "cpu_seconds": cpu, "images_per_cpu_second": images / cpu}


def time_alexnet_vk(args, data, kind, fmt):
    command = [args.tool, "bench", "--loader-only", "--data", data, "--threads", str(args.workers),
               "--batch", str(args.batch), "--batches", str(args.batches), "--warmup", str(args.warmup),
               "--format", fmt, "--json"]
    r = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    return {"pipeline": f"alexnet_vk {kind}, {fmt}", "images": r["images"], "seconds": r["seconds"],
            "images_per_second": r["images_per_second"], "cpu_seconds": r["cpu_seconds"],
            "images_per_cpu_second": r["images_per_cpu_second"]}


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--folder", required=True, help="ImageNet-layout folder of JPEGs")
    p.add_argument("--packed", required=True, help="the same folder after alexnet_vk prepare")
    p.add_argument("--workers", type=int, default=1, help="DataLoader workers = alexnet_vk loader threads")
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--batches", type=int, default=20, help="timed batches per pipeline")
    p.add_argument("--warmup", type=int, default=2, help="untimed batches first")
    p.add_argument("--tool", default=os.path.join(HERE, "..", "build", "alexnet_vk"))
    p.add_argument("--json", action="store_true", help="print one JSON object")
    args = p.parse_args()

    rows = [time_torchvision(args, "uint8"), time_torchvision(args, "float"),
            time_alexnet_vk(args, args.folder, "folder", "uint8"), time_alexnet_vk(args, args.folder, "folder", "float"),
            time_alexnet_vk(args, args.packed, "packed", "uint8"), time_alexnet_vk(args, args.packed, "packed", "float")]
    base = {"uint8": rows[0], "float": rows[1]}
    for r in rows:
        b = base[r["pipeline"].rsplit(", ", 1)[1]]
        r["vs_torchvision_cpu"] = r["images_per_cpu_second"] / b["images_per_cpu_second"]
        r["cores_needed"] = {str(t): t / r["images_per_cpu_second"] for t in TARGETS}
    result = {"workers": args.workers, "batch": args.batch, "batches": args.batches, "load_average": os.getloadavg(),
              "torch": torch.__version__, "rows": rows}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{args.workers} worker(s), batches of {args.batch}, {args.batches} timed; load average "
          f"{result['load_average'][0]:.1f}")
    print(f"{'pipeline':34} {'img/s':>8} {'img/CPU-s':>10} {'vs tv':>6} " +
          " ".join(f"{'cores@' + str(t):>11}" for t in TARGETS))
    for r in rows:
        print(f"{r['pipeline']:34} {r['images_per_second']:8.1f} {r['images_per_cpu_second']:10.1f} "
              f"{r['vs_torchvision_cpu']:5.2f}x " + " ".join(f"{r['cores_needed'][str(t)]:11.1f}" for t in TARGETS))


if __name__ == "__main__":
    main()
