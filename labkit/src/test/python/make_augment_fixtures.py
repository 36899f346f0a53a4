"""Writes labkit/src/test/resources/fixtures/augment/color_jitter.json and geometry.json: torchvision's
functional colour adjustments and warps on small crafted images with fixed factors, for the Java tests.

Run from the repository root with Debian's python3-torch 1.13 / python3-torchvision 0.14:
    /usr/bin/python3 labkit/src/test/python/make_augment_fixtures.py
Images are stored H×W×C (labkit's layout); float images are in [0, 1] as torchvision uses them.
"""
import json
import os

import torch
import torchvision
import torchvision.transforms.functional as F
from torchvision.transforms import InterpolationMode

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "fixtures", "augment")


def crafted_image():
    """6×5 RGB uint8: random pixels plus greys, primaries, black/white and near-ties for the hue branches."""
    g = torch.Generator().manual_seed(7)
    img = torch.randint(0, 256, (6, 5, 3), generator=g, dtype=torch.uint8)
    special = [[0, 0, 0], [255, 255, 255], [128, 128, 128], [255, 0, 0], [0, 255, 0], [0, 0, 255],
               [255, 255, 0], [10, 200, 200], [200, 10, 200], [37, 37, 36], [254, 1, 128], [90, 180, 180]]
    flat = img.view(-1, 3)
    for i, p in enumerate(special):
        flat[i] = torch.tensor(p, dtype=torch.uint8)
    return img


def hwc(t):
    return t.permute(1, 2, 0).contiguous()


def chw(t):
    return t.permute(2, 0, 1).contiguous()


def main():
    os.makedirs(OUT, exist_ok=True)
    img = crafted_image()
    x8 = chw(img)
    xf = x8.to(torch.float32) / 255.0
    cases = []
    ops = {
        "brightness": (F.adjust_brightness, [0.0, 0.5, 1.25, 1.8]),
        "contrast": (F.adjust_contrast, [0.0, 0.5, 1.25, 1.8]),
        "saturation": (F.adjust_saturation, [0.0, 0.5, 1.25, 1.8]),
        "hue": (F.adjust_hue, [-0.5, -0.25, -0.05, 0.1, 0.375, 0.5]),
    }
    for name, (fn, factors) in ops.items():
        for factor in factors:
            cases.append({"op": name, "factor": factor, "dtype": "uint8",
                          "expected": hwc(fn(x8, factor)).flatten().tolist()})
            cases.append({"op": name, "factor": factor, "dtype": "float32",
                          "expected": hwc(fn(xf, factor)).flatten().tolist()})
    gray = x8[:1]
    for name in ["brightness", "contrast"]:
        fn = ops[name][0]
        cases.append({"op": name, "factor": 0.7, "dtype": "uint8", "channels": 1,
                      "expected": hwc(fn(gray, 0.7)).flatten().tolist()})
    with open(os.path.join(OUT, "color_jitter.json"), "w") as f:
        json.dump({"torchvision": torchvision.__version__, "shape": list(img.shape),
                   "image": img.flatten().tolist(), "cases": cases}, f)

    # geometry: a 9×8 uint8 image, nearest sampling (exact apart from rounding ties)
    g = torch.Generator().manual_seed(11)
    geo = torch.randint(0, 256, (9, 8, 3), generator=g, dtype=torch.uint8)
    start = [[0, 0], [7, 0], [7, 8], [0, 8]]
    end = [[1, 2], [6, 0], [7, 7], [2, 8]]
    warps = [
        {"op": "rotate", "angle": 30.0,
         "expected": hwc(F.rotate(chw(geo), 30.0, interpolation=InterpolationMode.NEAREST)).flatten().tolist()},
        {"op": "rotate", "angle": -75.0,
         "expected": hwc(F.rotate(chw(geo), -75.0, interpolation=InterpolationMode.NEAREST)).flatten().tolist()},
        {"op": "perspective", "startpoints": start, "endpoints": end,
         "expected": hwc(F.perspective(chw(geo), start, end, interpolation=InterpolationMode.NEAREST))
         .flatten().tolist()},
    ]
    with open(os.path.join(OUT, "geometry.json"), "w") as f:
        json.dump({"torchvision": torchvision.__version__, "shape": list(geo.shape),
                   "image": geo.flatten().tolist(), "cases": warps}, f)


if __name__ == "__main__":
    main()
