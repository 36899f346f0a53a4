"""Fixtures for segmentation / super-resolution (issue 4). Run with Debian's python:
    /usr/bin/python3 labkit/src/test/python/make_segsr_fixtures.py

Writes labkit/src/test/resources/fixtures/segsr/segsr.json with
  pixel_shuffle   torch.nn.functional.pixel_shuffle on an arange input (r = 3 and r = 2)
  interpolate     F.interpolate of a seeded tensor: nearest x2, bilinear x2 (align_corners False), bilinear to
                  (7, 9) with align_corners True, bicubic x3 (align_corners False, antialias True: DJL always sets it, which makes torch use a = -0.5 like PIL)
  ycbcr           PIL Image.convert("YCbCr") on a few RGB pixels (uint8, as JPEG/PIL round it)
  resnet          torchvision resnet18/34/50 parameter counts and state-dict keys (minus num_batches_tracked)
  inverted_residual  torchvision MobileNetV2 InvertedResidual parameter counts and keys for two settings
  ffnet           parameter counts and output shapes of the FFNet up-heads A, B, C as written out below (our own
                  transcription of the layer tables of Mehta et al. 2022 / Qualcomm-AI-research/FFNet
                  ffnet_blocks.py: AdapterConv + UpBranch + UpsampleCat + segmentation head)
"""
import json, os
import numpy as np
import torch, torchvision
import torch.nn as nn
import torch.nn.functional as F
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "resources", "fixtures", "segsr")
os.makedirs(OUT, exist_ok=True)


def flat(t):
    return [round(float(v), 6) for v in t.detach().reshape(-1).tolist()]


def pixel_shuffle():
    out = {}
    for r, c in ((3, 2), (2, 3)):
        x = torch.arange(1 * c * r * r * 2 * 3, dtype=torch.float32).reshape(1, c * r * r, 2, 3)
        y = F.pixel_shuffle(x, r)
        out[str(r)] = {"in_shape": list(x.shape), "out_shape": list(y.shape), "out": flat(y)}
    return out


def interpolate():
    g = torch.Generator().manual_seed(4)
    x = torch.rand(1, 2, 3, 4, generator=g)
    return {
        "in": flat(x), "in_shape": list(x.shape),
        "nearest2": flat(F.interpolate(x, scale_factor=2, mode="nearest")),
        "bilinear2": flat(F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)),
        "bilinear_ac_7x9": flat(F.interpolate(x, size=(7, 9), mode="bilinear", align_corners=True)),
        "bicubic3": flat(F.interpolate(x, scale_factor=3, mode="bicubic", align_corners=False, antialias=True)),
    }


def ycbcr():
    px = [(0, 0, 0), (255, 255, 255), (255, 0, 0), (0, 255, 0), (0, 0, 255), (12, 200, 77), (250, 128, 3)]
    img = Image.new("RGB", (len(px), 1))
    img.putdata(px)
    return {"rgb": [list(p) for p in px], "ycbcr": [list(p) for p in img.convert("YCbCr").getdata()]}


def keys(m):
    return [k for k in m.state_dict() if not k.endswith("num_batches_tracked")]


def count(m):
    return sum(p.numel() for p in m.parameters())


def resnet():
    out = {}
    for name in ("resnet18", "resnet34", "resnet50"):
        m = getattr(torchvision.models, name)()
        out[name] = {"params": count(m), "keys": keys(m) if name != "resnet34" else []}
        feats = {}
        x = torch.zeros(1, 3, 64, 96)
        x = m.maxpool(m.relu(m.bn1(m.conv1(x))))
        for layer in ("layer1", "layer2", "layer3", "layer4"):
            x = getattr(m, layer)(x)
            feats[layer] = list(x.shape)
        out[name]["features_64x96"] = feats
    return out


def inverted_residual():
    from torchvision.models.mobilenetv2 import InvertedResidual
    out = {}
    for inp, oup, stride, t in ((16, 24, 2, 6), (32, 32, 1, 6), (32, 16, 1, 1)):
        m = InvertedResidual(inp, oup, stride, t)
        out[f"{inp}_{oup}_{stride}_{t}"] = {"params": count(m), "keys": keys(m), "use_res_connect": m.use_res_connect}
    return out


# --- FFNet up-heads, transcribed (see module docstring) ---
def cbr(i, o, k):
    return nn.Sequential(nn.Conv2d(i, o, k, 1, k // 2, bias=False), nn.BatchNorm2d(o), nn.ReLU())


class Head(nn.Module):
    WIDTHS = {"A": ([64, 128, 256, 512], [128, 128, 128, 128], 512, 1),
              "B": ([64, 128, 128, 256], [96, 96, 64, 32], 256, 3),
              "C": ([128, 128, 128, 128], [128, 16, 16, 16], 128, 1)}

    def __init__(self, kind, in_chans, classes):
        super().__init__()
        base, outs, mid, k2 = self.WIDTHS[kind]
        self.adapter = nn.ModuleList([cbr(i, o, 1) for i, o in zip(in_chans, base)])
        self.sm = nn.ModuleList([cbr(base[i], outs[i], 3) for i in range(4)])
        self.up = nn.ModuleList([cbr(base[i + 1], base[i], 1) for i in range(3)])
        self.last = nn.Sequential(nn.Conv2d(sum(outs), mid, 3, 1, 1), nn.BatchNorm2d(mid), nn.ReLU(),
                                  nn.Conv2d(mid, classes, k2, 1, k2 // 2))

    def forward(self, xs):
        xs = [a(x) for a, x in zip(self.adapter, xs)]
        sm = [None] * 4
        x = xs[3]
        for i in (3, 2, 1):
            sm[i] = self.sm[i](x)
            x = F.interpolate(self.up[i - 1](x), xs[i - 1].shape[2:], mode="bilinear", align_corners=True) + xs[i - 1]
        sm[0] = self.sm[0](x)
        h, w = sm[0].shape[2:]
        cat = torch.cat([sm[0]] + [F.interpolate(s, (h, w), mode="bilinear", align_corners=True) for s in sm[1:]], 1)
        return self.last(cat)


def ffnet():
    out = {}
    for kind in "ABC":
        for chans in ([64, 128, 256, 512], [256, 512, 1024, 2048]):
            m = Head(kind, chans, 19).eval()
            xs = [torch.zeros(1, c, 64 // s, 128 // s) for c, s in zip(chans, (1, 2, 4, 8))]
            y = m(xs)
            out[f"{kind}_{chans[0]}"] = {"params": count(m), "out_shape": list(y.shape)}
    return out


data = {"pixel_shuffle": pixel_shuffle(), "interpolate": interpolate(), "ycbcr": ycbcr(), "resnet": resnet(),
        "inverted_residual": inverted_residual(), "ffnet": ffnet()}
with open(os.path.join(OUT, "segsr.json"), "w") as f:
    json.dump(data, f, indent=0)
print("wrote", os.path.join(OUT, "segsr.json"))
