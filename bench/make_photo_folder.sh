#!/usr/bin/env bash
# Makes an ImageNet-like folder of real photographs for the data-pipeline measurements
# (docs/results/data-pipeline.md): OUT/train/<class>/*.jpg and OUT/val/<class>/*.jpg, CLASSES
# classes, TRAIN images in train/ and a tenth as many in val/.
#
#   bench/make_photo_folder.sh OUT [TRAIN=10000] [CLASSES=100]
#
# The photographs are the eleven in Debian 12's plasma-workspace-wallpapers (2560x1600 JPEGs: a
# lake at dusk, boats, a forest path, leaves, cups, clouds, ...); the package is installed when
# missing, with python3-pil, which does the work. Every output is a distinct view of one of them:
# a random box covering 10-80% of the photo, of an aspect ratio ImageNet photos have (4:3, 3:4,
# 3:2, 2:3, 5:4, 1:1), resized so the long side is 500 (ImageNet's typical 500x375 / 375x500),
# flipped horizontally half the time, saved as a baseline JPEG at quality 90 with 4:2:0 chroma (as
# most cameras and ImageNet's files). Deterministic: the same arguments give the same files.
set -euo pipefail

if [ $# -lt 1 ]; then
  echo "usage: bench/make_photo_folder.sh OUT [TRAIN=10000] [CLASSES=100]" >&2
  exit 2
fi
out=$1
train=${2:-10000}
classes=${3:-100}

need=()
for p in plasma-workspace-wallpapers python3-pil; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo=sudo
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# Debian's PIL is for the system interpreter, whatever python3 is first on PATH.
/usr/bin/python3 - "$out" "$train" "$classes" <<'EOF'
import multiprocessing
import os
import random
import sys

from PIL import Image

WALLPAPERS = "/usr/share/wallpapers"
# The photographs among the package's wallpapers (the others are drawings and renders).
PHOTOS = ["BytheWater", "ColdRipple", "ColorfulCups", "DarkestHour", "EveningGlow", "FallenLeaf",
          "Grey", "Kite", "OneStandsOut", "Path", "summer_1am"]
ASPECTS = [(4, 3), (4, 3), (4, 3), (3, 4), (3, 2), (2, 3), (5, 4), (1, 1)]  # 4:3 most often
LONG_SIDE = 500

out, train, classes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])


def largest_jpeg(name):
    folder = os.path.join(WALLPAPERS, name, "contents", "images")
    files = [os.path.join(folder, f) for f in os.listdir(folder) if f.endswith(".jpg")]
    return max(files, key=lambda f: Image.open(f).size[0] * Image.open(f).size[1])


sources = []


def load_sources():
    global sources
    sources = [Image.open(largest_jpeg(n)).convert("RGB") for n in PHOTOS]


def make(job):
    split, index, label = job
    rng = random.Random(f"{split}/{index}")
    photo = sources[(label * 7 + rng.randrange(3)) % len(sources)]  # a class draws on a few photos
    aw, ah = rng.choice(ASPECTS)
    w, h = photo.size
    area = rng.uniform(0.10, 0.80) * w * h
    bw = min(w, int((area * aw / ah) ** 0.5))
    bh = min(h, int(bw * ah / aw))
    bw = int(bh * aw / ah)
    x, y = rng.randrange(w - bw + 1), rng.randrange(h - bh + 1)
    size = (LONG_SIDE, round(LONG_SIDE * ah / aw)) if aw >= ah else (round(LONG_SIDE * aw / ah), LONG_SIDE)
    image = photo.crop((x, y, x + bw, y + bh)).resize(size, Image.BILINEAR, reducing_gap=2.0)
    if rng.random() < 0.5:
        image = image.transpose(Image.FLIP_LEFT_RIGHT)
    path = os.path.join(out, split, f"class_{label:03d}", f"{split}_{index:06d}.jpg")
    image.save(path, "JPEG", quality=90, subsampling=2)
    return size


def main():
    jobs = []
    for split, count in (("train", train), ("val", max(classes, train // 10))):
        for label in range(classes):
            os.makedirs(os.path.join(out, split, f"class_{label:03d}"), exist_ok=True)
        jobs += [(split, i, i % classes) for i in range(count)]
    with multiprocessing.Pool(os.cpu_count(), initializer=load_sources) as pool:
        sizes = pool.map(make, jobs, chunksize=64)
    landscape = sum(1 for w, h in sizes if w > h)
    print(f"make_photo_folder: {len(jobs)} JPEGs in {out} ({classes} classes; {landscape} landscape, "
          f"{len(jobs) - landscape} portrait or square; long side {LONG_SIDE}, quality 90)")


main()
EOF
