#!/usr/bin/python3
"""Generates the n-bit (2..8) quantization fixtures with Debian's torch 1.13 (torch.ao.quantization).

Run:  /usr/bin/python3 labkit/src/test/python/make_lowbit_fixtures.py
Writes labkit/src/test/resources/fixtures/quant/lowbit.json: for every bit width, observer qparams on an n-bit
quant_min/quant_max range (per-tensor and per-channel, affine and symmetric), the FakeQuantize forward values and
its straight-through gradient, and a 3-step QAT sequence of a moving-average FakeQuantize. Only a generator.
"""
import json
import os
import warnings

import torch
from torch.ao.quantization import FakeQuantize
from torch.ao.quantization import observer as obs

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "fixtures", "quant")


def floats(t):
    return [float(v) for v in t.detach().to(torch.float32).flatten().tolist()]


def bit_range(dtype, bits):
    return (0, 2 ** bits - 1) if dtype == torch.quint8 else (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1)


def main():
    g = torch.Generator().manual_seed(24)
    x = (torch.randn(2, 3, 4, 4, generator=g) * 1.5 + 0.3).to(torch.float32)
    w = (torch.randn(4, 3, 3, 3, generator=g) * 0.2).to(torch.float32)
    steps = [torch.randn(2, 6, generator=g) * s + o for s, o in ((1.0, 0.0), (2.0, 0.5), (0.5, -1.0))]
    cases = []
    combos = [("QUINT8", torch.quint8, "PER_TENSOR_AFFINE", torch.per_tensor_affine),
              ("QINT8", torch.qint8, "PER_TENSOR_SYMMETRIC", torch.per_tensor_symmetric),
              ("QINT8", torch.qint8, "PER_TENSOR_AFFINE", torch.per_tensor_affine),
              ("QINT8", torch.qint8, "PER_CHANNEL_SYMMETRIC", torch.per_channel_symmetric),
              ("QUINT8", torch.quint8, "PER_CHANNEL_AFFINE", torch.per_channel_affine)]
    for bits in range(2, 9):
        for dtn, dt, qsn, qs in combos:
            qmin, qmax = bit_range(dt, bits)
            per_channel = "CHANNEL" in qsn
            ocls = obs.PerChannelMinMaxObserver if per_channel else obs.MinMaxObserver
            t = w if per_channel else x
            fq = FakeQuantize(observer=ocls, quant_min=qmin, quant_max=qmax, dtype=dt, qscheme=qs)
            ti = t.clone().requires_grad_(True)
            y = fq(ti)
            y.sum().backward()
            scale, zp = fq.calculate_qparams()
            cases.append({"bits": bits, "dtype": dtn, "qscheme": qsn, "quantMin": qmin, "quantMax": qmax,
                          "observer": ocls.__name__, "input": "w" if per_channel else "x",
                          "scale": floats(scale), "zeroPoint": [int(v) for v in zp.flatten().tolist()],
                          "fq": floats(y), "grad": [int(v) for v in ti.grad.flatten().tolist()]})
    qat = []
    for bits in (2, 4, 8):
        qmin, qmax = bit_range(torch.quint8, bits)
        fq = FakeQuantize(observer=obs.MovingAverageMinMaxObserver, quant_min=qmin, quant_max=qmax,
                          dtype=torch.quint8, qscheme=torch.per_tensor_affine)
        seq = []
        for s in steps:
            y = fq(s)
            scale, zp = fq.calculate_qparams()
            seq.append({"x": floats(s), "fq": floats(y), "scale": floats(scale), "zeroPoint": int(zp)})
        qat.append({"bits": bits, "quantMin": qmin, "quantMax": qmax, "steps": seq})
    with open(os.path.join(OUT, "lowbit.json"), "w") as f:
        json.dump({"x": {"shape": list(x.shape), "data": floats(x)}, "w": {"shape": list(w.shape), "data": floats(w)},
                   "cases": cases, "qat": qat}, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
