#!/usr/bin/python3
"""Reference logits of torchvision models whose weights come from a closed formula (torch 1.13 / torchvision 0.14):

    /usr/bin/python3 labkit/src/test/python/make_mapping_fixtures.py

EfficientNet-B0 (4-5 M parameters) and ResNet-18/50 (11/25 M) are far too big to store as fixtures, and labkit's
EfficientNetB0 has no width multiplier. So every tensor of the torchvision state dict is filled from an exact
integer hash of (key, element index) that Java recomputes bit for bit (labkit.weights.FormulaWeights):

    h(key)   = fold over the key's characters: h = (h * 31 + ord(c)) mod 1000003
    z        = (index + h * 0x9E3779B9) mod 2^32, then twice z = ((z ^ (z >> 16)) * 0x45D9F3B) mod 2^32,
               then z ^= z >> 16;  u = z / 2^32 in [0, 1)
    weights with >= 2 dims: (2u - 1) * sqrt(3 / fan_in)   (variance 1 / fan_in; fan_in = prod(shape[1:]))
    1-dim "*.weight" (BatchNorm gamma): 0.8 + 0.4u        1-dim "*.bias": 0.2 (u - 0.5)
    running_mean: 0.2 (u - 0.5)                           running_var: 0.75 + 0.5u
    num_batches_tracked: 0

values computed in float64 and rounded once to float32. The input is the same formula under the key "input",
2u - 1. Writes labkit/src/test/resources/fixtures/weights/formula_<name>.json: the model's arguments, its
state-dict keys and shapes (in torchvision's order), input shape, eval-mode output shape and values.
"""
import json
import os

import numpy as np
import torch
import torchvision
from torchvision.models import quantization as q

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "fixtures", "weights")
M32 = np.uint64(0xFFFFFFFF)


def key_hash(key):
    h = 0
    for c in key:
        h = (h * 31 + ord(c)) % 1000003
    return h


def uniform(key, n):
    z = (np.arange(n, dtype=np.uint64) + np.uint64(key_hash(key) * 0x9E3779B9)) & M32
    for _ in range(2):
        z = ((z ^ (z >> np.uint64(16))) * np.uint64(0x45D9F3B)) & M32
    z = z ^ (z >> np.uint64(16))
    return z.astype(np.float64) / 2.0 ** 32


def value(key, shape, gain=1.0):
    """The formula tensor for key; gain multiplies the variance of the >= 2-dim weights (make_top5_fixtures.py)."""
    n = int(np.prod(shape)) if len(shape) else 1
    u = uniform(key, n)
    if key.endswith("running_mean"):
        v = 0.2 * (u - 0.5)
    elif key.endswith("running_var"):
        v = 0.75 + 0.5 * u
    elif len(shape) >= 2:
        v = (2 * u - 1) * np.sqrt(3.0 * gain / int(np.prod(shape[1:])))
    elif key.endswith("weight"):
        v = 0.8 + 0.4 * u
    elif key.endswith("bias"):
        v = 0.2 * (u - 0.5)
    else:
        raise ValueError(key)
    return torch.from_numpy(v.astype(np.float32).reshape(shape))


def write(name, model, args, input_shape):
    sd = model.state_dict()
    with torch.no_grad():
        for k, t in sd.items():
            if k.endswith("num_batches_tracked"):
                t.zero_()
            else:
                t.copy_(value(k, tuple(t.shape)))
    model.eval()
    x = torch.from_numpy((2 * uniform("input", int(np.prod(input_shape))) - 1).astype(np.float32)
                         .reshape(input_shape))
    with torch.no_grad():
        y = model(x)
    print(name, tuple(y.shape), "logit range", float(y.min()), float(y.max()),
          "params", sum(p.numel() for p in model.parameters()))
    with open(os.path.join(OUT, "formula_" + name + ".json"), "w") as f:
        json.dump({"model": name, "args": args, "torchvision": torchvision.__version__, "keys": [[k, list(t.shape)] for k, t in sd.items()],
                   "input_shape": list(input_shape), "input_sum": float(x.double().sum()),
                   "output_shape": list(y.shape), "output": y.reshape(-1).tolist()}, f, indent=1)


if __name__ == "__main__":
    torch.set_num_threads(1)
    write("efficientnet_b0", torchvision.models.efficientnet_b0(num_classes=10), {"num_classes": 10}, (1, 3, 64, 64))
    write("resnet18", torchvision.models.resnet18(num_classes=7), {"num_classes": 7}, (1, 3, 64, 64))
    write("resnet50", torchvision.models.resnet50(num_classes=7), {"num_classes": 7}, (1, 3, 64, 64))
    write("quantizable_mobilenet_v2_w025", q.mobilenet_v2(quantize=False, width_mult=0.25, num_classes=10),
          {"quantize": False, "width_mult": 0.25, "num_classes": 10}, (1, 3, 64, 64))
