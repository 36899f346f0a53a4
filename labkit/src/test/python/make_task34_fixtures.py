"""Fixtures for the Task 3 / Task 4 facades. Run with Debian's python:
    /usr/bin/python3 labkit/src/test/python/make_task34_fixtures.py

Writes labkit/src/test/resources/fixtures/segsr/task34.json with
  bicubic        a seeded LR luma (1x8x10 in [0, 1]) up-sampled x3 by F.interpolate(mode="bicubic",
                 align_corners=False) (a = -0.75, as OpenCV's INTER_CUBIC), an HR luma, and the PSNR (dB, data range
                 1) of the clipped bicubic image vs the HR one: the SR baseline
  cross_entropy  F.cross_entropy (mean over pixels) of seeded N x C x H x W logits and class maps
"""
import json, math, os
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "resources", "fixtures", "segsr")
os.makedirs(OUT, exist_ok=True)


def flat(t):
    return [round(float(v), 7) for v in t.detach().reshape(-1).tolist()]


def bicubic():
    g = torch.Generator().manual_seed(34)
    lr = torch.rand(1, 1, 8, 10, generator=g)
    up = F.interpolate(lr, scale_factor=3, mode="bicubic", align_corners=False)
    hr = (up + 0.05 * torch.randn(up.shape, generator=g)).clamp(0, 1)
    mse = ((up.clamp(0, 1) - hr) ** 2).mean().item()
    return {"lr": flat(lr), "lr_shape": [1, 8, 10], "hr": flat(hr), "hr_shape": [1, 24, 30],
            "up": flat(up), "psnr": 10 * math.log10(1.0 / mse)}


def cross_entropy():
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(2, 4, 3, 5, generator=g) * 2
    labels = torch.randint(0, 4, (2, 3, 5), generator=g)
    return {"logits": flat(logits), "shape": list(logits.shape), "labels": labels.reshape(-1).tolist(),
            "loss": F.cross_entropy(logits, labels).item()}


json.dump({"bicubic": bicubic(), "cross_entropy": cross_entropy()},
          open(os.path.join(OUT, "task34.json"), "w"), indent=None)
print("wrote", os.path.join(OUT, "task34.json"))
