#!/usr/bin/env python3
"""Evaluate an `alexnet_vk export` safetensors file in PyTorch, the way `alexnet_vk eval` does.

    build/alexnet_vk export --checkpoint runs/latest/last.ckpt -o weights.safetensors
    python3 bench/pytorch_eval.py weights.safetensors [--data DIR] [--compare-checkpoint CKPT]

The network is rebuilt from the file's metadata alone (bench/alexnet_torch.py): convolution
kernels, strides, padding before and after (conv1 at 224 pads 0 before, 3 after), groups, LRN with
the paper's alpha (not divided by size), overlapping max pooling, dropout off. The images get the
same centre-crop preprocessing as `alexnet_vk eval` (model/data/augment.cpp's Center view):
  - IDX data (MNIST / Fashion-MNIST, the default): zero-pad by in_size/14, centre crop in_size;
  - an image folder (DIR/val/<class>/*.jpg|png): antialiased bilinear resize of the short side to
    in_size*256/224 (rounded to 8 bits), the centre square, the centre in_size crop;
then (pixel - mean[c]) * pixel_scale / std[c] with the normalization stored in the file (std 1
when it has none).

Prints top-1 / top-5 error and the mean cross-entropy. With --compare-checkpoint it also runs
`alexnet_vk eval --json` on that checkpoint (or reads its saved output with --compare-json) and
prints both results and their difference; the exit status is 1 when the image counts differ or
the error rates differ by more than --tolerance.

Needs PyTorch and numpy (Debian: apt-get install python3-torch libopenblas0-pthread), plus PIL
(python3-pil) for image folders. The safetensors format is parsed here, no extra package needed.
"""

import argparse
import gzip
import json
import os
import struct
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from torch_import import import_torch  # noqa: E402

torch = import_torch()
import numpy as np  # noqa: E402

import alexnet_torch  # noqa: E402

DEFAULT_DATA = "/usr/share/datasets/fashion-mnist"


# ---- safetensors -------------------------------------------------------------------------------

def read_safetensors(path):
    """(tensors {name: np.ndarray float32}, metadata {str: str}); F32 only, as alexnet_vk writes."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f"{path}: truncated safetensors file")
    (size,) = struct.unpack("<Q", data[:8])
    if size > len(data) - 8:
        raise ValueError(f"{path}: header length out of bounds")
    header = json.loads(data[8:8 + size])
    body = memoryview(data)[8 + size:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            raise ValueError(f"{path}: tensor {name} is {entry['dtype']}, expected F32")
        begin, end = entry["data_offsets"]
        if not 0 <= begin <= end <= len(body):
            raise ValueError(f"{path}: tensor {name} lies outside the file")
        tensors[name] = np.frombuffer(body[begin:end], dtype="<f4").reshape(entry["shape"]).copy()
    return tensors, metadata


def load_export(path):
    tensors, meta = read_safetensors(path)
    arch = json.loads(meta["arch"])
    norm = json.loads(meta["normalization"])
    model = alexnet_torch.AlexNet(arch)
    model.load_tensors({k: torch.from_numpy(v) for k, v in tensors.items()})
    model.eval()  # dropout off
    return model, arch, norm, meta


# ---- data, preprocessed as model/data/augment.cpp's Center view --------------------------------

def read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":  # gzip by its magic bytes, as idx.cpp detects it
        raw = gzip.decompress(raw)
    ndims = raw[3]
    dims = struct.unpack(">" + "I" * ndims, raw[4:4 + 4 * ndims])
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndims).reshape(dims)


def idx_file(directory, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(directory, candidate)
        if os.path.exists(path):
            return path
    raise FileNotFoundError(f"{directory}: neither {name} nor {name}.gz")


def make_taps(n_in, n_out):
    """Per output pixel: first input pixel and normalised triangle weights (augment.cpp make_taps)."""
    scale = n_in / n_out
    width = max(scale, 1.0)
    taps = []
    for o in range(n_out):
        center = (o + 0.5) * scale
        lo = max(0, int(np.floor(center - width)))
        hi = min(n_in, int(np.ceil(center + width)))
        k = np.arange(lo, hi)
        w = np.maximum(0.0, 1.0 - np.abs((k + 0.5 - center) / width))
        taps.append((lo, (w / w.sum()).astype(np.float32)))
    return taps


def resize_bilinear(img, width, height):
    """(h, w, c) uint8 -> (height, width, c) uint8, as augment.cpp's resize_bilinear."""
    h, w, _ = img.shape
    if (w, h) == (width, height):
        return img
    src = img.astype(np.float32)
    tmp = np.stack([np.tensordot(src[:, lo:lo + len(wt), :], wt, axes=([1], [0])) for lo, wt in make_taps(w, width)],
                   axis=1)
    out = np.stack([np.tensordot(wt, tmp[lo:lo + len(wt)], axes=([0], [0])) for lo, wt in make_taps(h, height)],
                   axis=0)
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def center_view(img, crop, pad=0, resize_short=0, center=0):
    """(h, w, c) uint8 -> (c, crop, crop) float32 pixels, before mean and scale."""
    if resize_short:
        h, w, _ = img.shape
        s = resize_short
        nw = s if w <= h else max(1, (w * s + h // 2) // h)
        nh = max(1, (h * s + w // 2) // w) if w <= h else s
        img = resize_bilinear(img, nw, nh)
    if center:
        h, w, _ = img.shape
        y, x = (h - center) // 2, (w - center) // 2
        img = img[y:y + center, x:x + center]
    if pad:
        img = np.pad(img, ((pad, pad), (pad, pad), (0, 0)))
    h, w, _ = img.shape
    oy, ox = (h - crop) // 2, (w - crop) // 2
    return img[oy:oy + crop, ox:ox + crop].transpose(2, 0, 1).astype(np.float32)


def to_channels(img, channels):
    """(h, w, c) uint8 with c in {1, 3} -> `channels` (image.cpp's to_channels, BT.601 fixed point)."""
    if img.shape[2] == channels:
        return img
    if channels == 3:
        return np.repeat(img, 3, axis=2)
    r, g, b = (img[:, :, i].astype(np.uint32) for i in range(3))
    return ((19595 * r + 38470 * g + 7471 * b + 32768) >> 16).astype(np.uint8)[:, :, None]


def idx_examples(directory, arch):
    images = read_idx(idx_file(directory, "t10k-images-idx3-ubyte"))
    labels = read_idx(idx_file(directory, "t10k-labels-idx1-ubyte")).astype(np.int64)
    size, channels = arch["in_size"], arch["in_channels"]
    pad = size // 14  # data_source.cpp: IDX images are padded by in_size/14 and cropped back

    def views():
        for img in images:
            yield center_view(to_channels(img[:, :, None], channels), size, pad=pad)

    return views(), labels


def folder_examples(directory, arch):
    from PIL import Image  # only image folders need PIL

    val = os.path.join(directory, "val")
    classes = sorted(d for d in os.listdir(val) if not d.startswith(".") and os.path.isdir(os.path.join(val, d)))
    files, labels = [], []
    for k, c in enumerate(classes):
        names = sorted(n for n in os.listdir(os.path.join(val, c))
                       if not n.startswith(".") and n.lower().endswith((".jpg", ".jpeg", ".png")))
        files += [os.path.join(val, c, n) for n in names]
        labels += [k] * len(names)
    size = arch["in_size"]
    short = size * 256 // 224

    def views():
        for path in files:
            with Image.open(path) as im:
                img = np.asarray(im.convert("L" if im.mode in ("L", "LA", "I;16", "I") else "RGB"))
            img = img[:, :, None] if img.ndim == 2 else img
            yield center_view(to_channels(to_channels(img, 3), arch["in_channels"]), size, resize_short=short,
                              center=short)

    return views(), np.array(labels, dtype=np.int64)


def evaluate(model, arch, norm, data_dir, batch=256):
    is_idx = any(os.path.exists(os.path.join(data_dir, n))
                 for n in ("t10k-images-idx3-ubyte", "t10k-images-idx3-ubyte.gz"))
    views, labels = (idx_examples if is_idx else folder_examples)(data_dir, arch)
    mean = torch.tensor(norm["mean"], dtype=torch.float32).view(1, -1, 1, 1)
    # (pixel - mean[c]) * pixel_scale / std[c]: model/data/normalization.cpp's per-channel scale,
    # computed in float32 as there; no "std" (the paper's recipe) means std 1.
    std = norm.get("std") or [1.0] * mean.shape[1]
    scale = torch.tensor([np.float32(norm["pixel_scale"]) / np.float32(s) for s in std],
                         dtype=torch.float32).view(1, -1, 1, 1)
    probs, chunk = [], []

    def flush():
        x = (torch.from_numpy(np.stack(chunk)) - mean) * scale
        with torch.no_grad():
            probs.append(torch.softmax(model(x), dim=1).numpy())
        chunk.clear()

    for v in views:
        chunk.append(v)
        if len(chunk) == batch:
            flush()
    if chunk:
        flush()
    p = np.concatenate(probs)
    n = len(labels)
    order = np.argsort(-p, axis=1, kind="stable")[:, :5]  # ties: lower index first, as evaluate.cpp
    top1 = float(np.mean(order[:, 0] != labels))
    top5 = float(np.mean(~(order == labels[:, None]).any(axis=1)))
    loss = float(np.mean(-np.log(np.maximum(p[np.arange(n), labels].astype(np.float64), 1e-30))))
    return {"top1_error": top1, "top5_error": top5, "loss": loss, "images": n}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("weights", help="safetensors file written by `alexnet_vk export`")
    ap.add_argument("--data", default=DEFAULT_DATA, help="IDX folder or ImageNet-layout folder (default: %(default)s)")
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--compare-checkpoint", metavar="CKPT",
                    help="also run `alexnet_vk eval --json` on this checkpoint (the one exported) and compare")
    ap.add_argument("--compare-json", metavar="FILE",
                    help="compare with the output of `alexnet_vk eval --json` saved in FILE instead of running it")
    ap.add_argument("--tool", default=os.path.join(HERE, "..", "build", "alexnet_vk"), help="alexnet_vk binary")
    ap.add_argument("--tolerance", type=float, default=0.002,
                    help="largest top-1/top-5 error difference accepted with --compare-checkpoint")
    args = ap.parse_args()
    torch.set_num_threads(max(1, args.threads))

    model, arch, norm, meta = load_export(args.weights)
    t0 = time.time()
    ours = evaluate(model, arch, norm, args.data, args.batch)
    ours["seconds"] = round(time.time() - t0, 2)
    result = {"pytorch": ours, "torch_version": torch.__version__, "arch": arch["name"], "weights": args.weights,
              "data": args.data}
    status = 0
    if args.compare_checkpoint or args.compare_json:
        if args.compare_json:
            with open(args.compare_json) as f:
                out = f.read()
        else:
            cmd = [args.tool, "eval", "--checkpoint", args.compare_checkpoint, "--data", args.data, "--json"]
            out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
        vk = json.loads(out.strip().splitlines()[-1])
        result["alexnet_vk"] = vk
        result["difference"] = {k: ours[k] - vk[k] for k in ("top1_error", "top5_error", "loss")}
        if vk["images"] != ours["images"] or any(abs(result["difference"][k]) > args.tolerance
                                                 for k in ("top1_error", "top5_error")):
            status = 1
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{arch['name']} {arch['in_channels']}x{arch['in_size']}x{arch['in_size']}, {arch['classes']} classes; "
              f"torch {torch.__version__}; {args.data}")
        print(f"pytorch:    {ours['images']} images: top-1 error {ours['top1_error']:.4f}, "
              f"top-5 error {ours['top5_error']:.4f}, loss {ours['loss']:.4f}")
        if "alexnet_vk" in result:
            vk = result["alexnet_vk"]
            print(f"alexnet_vk: {vk['images']} images: top-1 error {vk['top1_error']:.4f}, "
                  f"top-5 error {vk['top5_error']:.4f}, loss {vk['loss']:.4f} ({vk['device']})")
            d = result["difference"]
            print(f"difference: top-1 {d['top1_error']:+.4f}, top-5 {d['top5_error']:+.4f}, loss {d['loss']:+.2e}"
                  f" -> {'match' if status == 0 else 'MISMATCH'}")
    return status


if __name__ == "__main__":
    sys.exit(main())
