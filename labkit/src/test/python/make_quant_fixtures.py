#!/usr/bin/python3
"""Generates the labkit.quant test fixtures with Debian's torch 1.13 (torch.ao.quantization).

Run:  /usr/bin/python3 labkit/src/test/python/make_quant_fixtures.py
Writes JSON under labkit/src/test/resources/fixtures/quant/. Only a generator: labkit never calls Python.
Floats are written as Python floats made from float32 values, so Java reads them back bit-exactly.
"""
import json
import os
import warnings

import torch
from torch.ao.quantization import observer as obs

warnings.filterwarnings("ignore")
torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "fixtures", "quant")
os.makedirs(OUT, exist_ok=True)

DT = {"QUINT8": torch.quint8, "QINT8": torch.qint8}
QS = {
    "PER_TENSOR_AFFINE": torch.per_tensor_affine,
    "PER_TENSOR_SYMMETRIC": torch.per_tensor_symmetric,
    "PER_CHANNEL_AFFINE": torch.per_channel_affine,
    "PER_CHANNEL_SYMMETRIC": torch.per_channel_symmetric,
}
CLS = {
    "MinMaxObserver": obs.MinMaxObserver,
    "MovingAverageMinMaxObserver": obs.MovingAverageMinMaxObserver,
    "PerChannelMinMaxObserver": obs.PerChannelMinMaxObserver,
    "MovingAveragePerChannelMinMaxObserver": obs.MovingAveragePerChannelMinMaxObserver,
    "HistogramObserver": obs.HistogramObserver,
}


def tensor_json(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [float(v) for v in t.flatten().tolist()]}


def floats(t):
    return [float(v) for v in t.to(torch.float32).flatten().tolist()]


def inputs():
    """Named lists of batches (each a float32 tensor)."""
    g = torch.Generator().manual_seed(1234)
    r = lambda *s: torch.randn(*s, generator=g)
    u = lambda *s: torch.rand(*s, generator=g)
    return {
        "spec": [torch.tensor([-1.3, 0.2, 2.7, 0.05, -0.4])],
        "randn": [r(4, 3, 5) * 2 + 0.5],
        "randn3": [r(2, 3, 4), r(2, 3, 4) * 3 - 1, r(2, 3, 4) * 0.5 + 2],
        "positive": [u(3, 4, 5) * 5 + 0.3],
        "negative": [-u(3, 4, 5) * 4 - 0.1],
        "zeros": [torch.zeros(3, 4, 5)],
        "single": [torch.tensor([3.7])],
        "constant_neg": [torch.full((6,), -2.25)],
        "zero_channel": [torch.cat([r(1, 3, 4), torch.zeros(1, 3, 4), r(1, 3, 4) * 5], 0)],
        "weights": [r(8, 3, 3, 3) * 0.1],
        "ma_spec": [torch.tensor([-1.0, 1.0]), torch.tensor([-3.0, 2.0]), torch.tensor([0.0, 5.0])],
    }


def observer_cases():
    cases = []
    data = inputs()
    combos = [(dt, red) for dt in ("QUINT8", "QINT8") for red in (False, True)]
    per_tensor = ["MinMaxObserver", "MovingAverageMinMaxObserver"]
    per_channel = ["PerChannelMinMaxObserver", "MovingAveragePerChannelMinMaxObserver"]
    for name, batches in data.items():
        for cls in per_tensor + per_channel:
            schemes = ["PER_TENSOR_AFFINE", "PER_TENSOR_SYMMETRIC"] if cls in per_tensor else \
                ["PER_CHANNEL_AFFINE", "PER_CHANNEL_SYMMETRIC"]
            axes = [None] if cls in per_tensor else [0, 1]
            for qs in schemes:
                for dt, red in combos:
                    for axis in axes:
                        if axis is not None and (batches[0].dim() <= axis or batches[0].dim() < 2):
                            continue
                        for avg in ([None] if "MovingAverage" not in cls else [None, 0.3]):
                            cases.append(run_case(cls, name, batches, dt, qs, red, axis, avg, None, None))
    # custom quant ranges (lower-bit)
    for cls in per_tensor:
        for qs in ["PER_TENSOR_AFFINE", "PER_TENSOR_SYMMETRIC"]:
            for dt, qmin, qmax in (("QUINT8", 0, 15), ("QINT8", -8, 7), ("QUINT8", 0, 127)):
                for red in (False, True):
                    cases.append(run_case(cls, "randn", data["randn"], dt, qs, red, None, None, qmin, qmax))
    return [c for c in cases if c is not None]


def run_case(cls, name, batches, dt, qs, red, axis, avg, qmin, qmax):
    kw = dict(dtype=DT[dt], qscheme=QS[qs], reduce_range=red)
    if axis is not None:
        kw["ch_axis"] = axis
    if avg is not None:
        kw["averaging_constant"] = avg
    if qmin is not None:
        kw["quant_min"] = qmin
        kw["quant_max"] = qmax
    case = {"observer": cls, "input": name, "dtype": dt, "qscheme": qs, "reduceRange": red,
            "chAxis": axis, "averagingConstant": avg, "quantMin": qmin, "quantMax": qmax,
            "batches": [tensor_json(b) for b in batches]}
    try:
        o = CLS[cls](**kw)
    except (ValueError, AssertionError, NotImplementedError) as e:
        case["error"] = str(e).split("\n")[0].strip()
        return case
    for b in batches:
        o(b)
    scale, zp = o.calculate_qparams()
    case.update({"minVal": floats(o.min_val.reshape(-1)), "maxVal": floats(o.max_val.reshape(-1)),
                 "scale": floats(scale), "zeroPoint": [int(v) for v in zp.flatten().tolist()],
                 "observerQuantMin": o.quant_min, "observerQuantMax": o.quant_max})
    return case


def histogram_cases():
    g = torch.Generator().manual_seed(99)
    dists = {
        "normal": [torch.randn(2000, generator=g)],
        "normal_wide": [torch.randn(3000, generator=g) * 4 + 1],
        "outliers": [torch.cat([torch.randn(2000, generator=g) * 0.5, torch.tensor([12.0, -9.0])])],
        "relu": [torch.relu(torch.randn(2500, generator=g) * 2)],
        "uniform_small": [torch.rand(1000, generator=g) * 0.8 - 0.3],
        "two_batches": [torch.randn(1000, generator=g), torch.randn(1000, generator=g) * 3 + 2],
        "three_batches_shrinking": [torch.randn(800, generator=g) * 5, torch.randn(800, generator=g),
                                    torch.randn(800, generator=g) * 0.2 + 1],
        "exponential": [torch.empty(2000).exponential_(1.0, generator=g)],
        "zeros_then_data": [torch.zeros(50), torch.randn(500, generator=g) * 2],
    }
    cases = []
    for name, batches in dists.items():
        for dt, qs, red in (("QUINT8", "PER_TENSOR_AFFINE", True), ("QUINT8", "PER_TENSOR_AFFINE", False),
                            ("QINT8", "PER_TENSOR_SYMMETRIC", False), ("QINT8", "PER_TENSOR_AFFINE", False)):
            o = obs.HistogramObserver(dtype=DT[dt], qscheme=QS[qs], reduce_range=red)
            for b in batches:
                o(b)
            scale, zp = o.calculate_qparams()
            new_min, new_max = o._non_linear_param_search()
            cases.append({"observer": "HistogramObserver", "input": name, "dtype": dt, "qscheme": qs,
                          "reduceRange": red, "batches": [tensor_json(b) for b in batches],
                          "minVal": [float(o.min_val)], "maxVal": [float(o.max_val)],
                          "histogram": floats(o.histogram),
                          "searchMin": float(new_min), "searchMax": float(new_max),
                          "scale": floats(scale), "zeroPoint": [int(v) for v in zp.flatten().tolist()]})
    return cases


def histogram_growth_cases():
    """Issue 25: a histogram whose range grows by orders of magnitude keeps the earlier batches' mass (re-binned)."""
    g = torch.Generator().manual_seed(25)
    unit = torch.rand(1000, generator=g)
    cases = []
    for name, bins, batches in (
            ("unit_then_100", 2048, [unit, torch.tensor([0.5, 100.0])]),
            ("unit_then_1e4_64_bins", 64, [unit, torch.tensor([0.5, 1.0e4])]),
            ("unit_then_minus_1e3_256_bins", 256, [unit, torch.tensor([-1.0e3, 0.25])]),
            ("normal_then_wide_then_narrow", 2048, [torch.randn(500, generator=g),
                                                    torch.randn(300, generator=g) * 50,
                                                    torch.randn(200, generator=g) * 0.1])):
        o = obs.HistogramObserver(bins=bins, dtype=torch.quint8, qscheme=torch.per_tensor_affine, reduce_range=True)
        for b in batches:
            o(b)
        scale, zp = o.calculate_qparams()
        cases.append({"input": name, "bins": bins, "batches": [tensor_json(b) for b in batches],
                      "minVal": float(o.min_val), "maxVal": float(o.max_val), "histogram": floats(o.histogram),
                      "mass": float(o.histogram.double().sum()),
                      "scale": floats(scale), "zeroPoint": [int(v) for v in zp.flatten().tolist()]})
    return cases


def quantize_cases():
    g = torch.Generator().manual_seed(7)
    cases = []
    x = torch.randn(3, 4, 5, generator=g) * 2
    # values exactly on .5 ties of x/scale
    scale = 0.05
    ties = torch.tensor([0.025, 0.075, -0.025, -0.125, 0.125, 1.0, -7.0, 9.0], dtype=torch.float32)
    for name, t in (("randn", x), ("ties", ties)):
        for dt, s, zp in (("QUINT8", 0.02, 128), ("QUINT8", scale, 17), ("QINT8", scale, 0), ("QINT8", 0.013, -5)):
            q = torch.quantize_per_tensor(t, s, zp, DT[dt])
            qmin, qmax = (0, 255) if dt == "QUINT8" else (-128, 127)
            fq = torch.fake_quantize_per_tensor_affine(t, s, zp, qmin, qmax)
            tt = t.clone().requires_grad_(True)
            torch.fake_quantize_per_tensor_affine(tt, s, zp, qmin, qmax).sum().backward()
            cases.append({"kind": "per_tensor", "input": name, "x": tensor_json(t), "dtype": dt,
                          "scale": [float(torch.tensor(s, dtype=torch.float32))], "zeroPoint": [zp], "axis": -1,
                          "quantMin": qmin, "quantMax": qmax,
                          "q": [int(v) for v in q.int_repr().flatten().tolist()],
                          "dq": floats(q.dequantize()), "fq": floats(fq), "grad": floats(tt.grad)})
    w = torch.randn(4, 3, 2, 2, generator=g)
    for axis in (0, 1):
        n = w.shape[axis]
        s = (torch.rand(n, generator=g) * 0.05 + 0.005).to(torch.float32)
        zp = torch.randint(-10, 10, (n,), generator=g)
        ww = (w * (3.0 if axis == 1 else 1.0)).clone()  # axis 1: some values fall outside the int8 range
        q = torch.quantize_per_channel(ww, s.double(), zp, axis, torch.qint8)
        fq = torch.fake_quantize_per_channel_affine(ww, s, zp.int(), axis, -128, 127)
        wg = ww.clone().requires_grad_(True)
        torch.fake_quantize_per_channel_affine(wg, s, zp.int(), axis, -128, 127).sum().backward()
        cases.append({"kind": "per_channel", "input": "w", "x": tensor_json(ww), "dtype": "QINT8",
                      "scale": floats(s), "zeroPoint": [int(v) for v in zp.tolist()], "axis": axis,
                      "quantMin": -128, "quantMax": 127,
                      "q": [int(v) for v in q.int_repr().flatten().tolist()],
                      "dq": floats(q.dequantize()), "fq": floats(fq), "grad": floats(wg.grad)})
    return cases


def mobilenet_v2_fixture():
    from torchvision.models import mobilenet_v2
    from torchvision.models.quantization import mobilenet_v2 as qmobilenet_v2
    out = {}
    for name, ctor in (("mobilenet_v2", mobilenet_v2), ("quantizable_mobilenet_v2", qmobilenet_v2)):
        m = ctor()
        out[name] = {"keys": [k for k in m.state_dict().keys() if not k.endswith("num_batches_tracked")],
                     "parameters": sum(p.numel() for p in m.parameters())}
    small = mobilenet_v2(width_mult=0.35, num_classes=10)
    out["mobilenet_v2_w0.35_c10"] = {"parameters": sum(p.numel() for p in small.parameters()),
                                     "output_shape_1x3x64x64": list(small(torch.zeros(1, 3, 64, 64)).shape)}
    return out


def tiny_quantizable_net():
    """quant -> ConvBnReLU stem -> two quantizable inverted residuals -> pool -> linear -> dequant (labkit twin in PtqTorchTest)."""
    from collections import OrderedDict
    from torch import nn
    from torchvision.ops.misc import Conv2dNormActivation
    from torchvision.models.quantization.mobilenetv2 import QuantizableInvertedResidual
    from torchvision.models.quantization.utils import _replace_relu
    m = nn.Sequential(OrderedDict([
        ("quant", torch.ao.quantization.QuantStub()),
        ("0", Conv2dNormActivation(3, 8, stride=2, activation_layer=nn.ReLU)),
        ("1", QuantizableInvertedResidual(8, 8, 1, 2)),
        ("2", QuantizableInvertedResidual(8, 16, 2, 6)),
        ("pool", nn.AdaptiveAvgPool2d(1)),
        ("flatten", nn.Flatten()),
        ("classifier", nn.Linear(16, 5)),
        ("dequant", torch.ao.quantization.DeQuantStub()),
    ]))
    _replace_relu(m)
    g = torch.Generator().manual_seed(5)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                n = mod.num_features
                mod.running_mean.copy_(torch.randn(n, generator=g) * 0.2)
                mod.running_var.copy_(torch.rand(n, generator=g) + 0.5)
                mod.weight.copy_(1 + 0.3 * torch.randn(n, generator=g))
                mod.bias.copy_(0.2 * torch.randn(n, generator=g))
    return m.eval()


def ptq_fixture():
    from torch.ao.quantization import get_default_qconfig, prepare, convert, fuse_modules
    from torchvision.models.quantization.mobilenetv2 import QuantizableInvertedResidual
    out = {}
    g = torch.Generator().manual_seed(11)
    calib = [torch.randn(2, 3, 16, 16, generator=g) for _ in range(3)]
    x = torch.randn(2, 3, 16, 16, generator=g)
    # the onednn qconfig (full-range activations) runs on qnnpack's kernels: torch's onednn kernels on a CPU
    # without VNNI saturate u8 x s8 pair sums at 16 bits with full-range activations (2 of 10 outputs 17-18 steps
    # low here), while qnnpack accumulates in int32 as labkit does
    for backend, engine in (("qnnpack", "qnnpack"), ("x86", "onednn"), ("onednn", "qnnpack")):
        torch.manual_seed(0)
        m = tiny_quantizable_net()
        state = {k: tensor_json(v) for k, v in m.state_dict().items() if not k.endswith("num_batches_tracked")}
        ref = m(x)
        torch.backends.quantized.engine = engine
        from torchvision.ops.misc import Conv2dNormActivation
        for mod in m.modules():  # as QuantizableMobileNetV2.fuse_model
            if type(mod) is Conv2dNormActivation:
                fuse_modules(mod, ["0", "1", "2"], inplace=True)
            if isinstance(mod, QuantizableInvertedResidual):
                mod.fuse_model()
        m.qconfig = get_default_qconfig(backend)
        prepare(m, inplace=True)
        for b in calib:
            m(b)
        convert(m, inplace=True)
        qout = m(x)
        act, wts = {}, {}
        for name, mod in m.named_modules():
            if hasattr(mod, "scale") and hasattr(mod, "zero_point") and not name.endswith("skip_add") or \
                    (name.endswith("skip_add") and float(mod.scale) != 1.0):
                act[name] = {"scale": [float(torch.tensor(float(mod.scale), dtype=torch.float32))],
                             "zeroPoint": [int(mod.zero_point)]}
            if hasattr(mod, "weight") and callable(mod.weight):
                w = mod.weight()
                if w.qscheme() in (torch.per_channel_affine, torch.per_channel_symmetric):
                    wts[name] = {"scale": floats(w.q_per_channel_scales()),
                                 "zeroPoint": [int(v) for v in w.q_per_channel_zero_points().tolist()]}
                else:
                    wts[name] = {"scale": [float(torch.tensor(w.q_scale(), dtype=torch.float32))],
                                 "zeroPoint": [int(w.q_zero_point())]}
        out[backend] = {"state": state, "calibration": [tensor_json(b) for b in calib], "x": tensor_json(x),
                        "float_out": tensor_json(ref), "int8_out": tensor_json(qout),
                        "activations": act, "weights": wts}
    return out


def cle_fixture():
    """torch.ao.quantization._equalize.equalize on conv(3->8)+ReLU -> conv(8->6)+ReLU -> conv(6->4)."""
    from torch import nn
    from torch.ao.quantization._equalize import equalize
    import torch.nn.intrinsic as nni
    g = torch.Generator().manual_seed(3)

    def conv(i, o, k):
        c = nn.Conv2d(i, o, k, padding=k // 2)
        with torch.no_grad():
            c.weight.copy_(torch.randn(c.weight.shape, generator=g) * torch.rand(o, 1, 1, 1, generator=g) * 2)
            c.bias.copy_(torch.randn(o, generator=g) * 0.1)
        return c
    m = nn.Sequential(nni.ConvReLU2d(conv(3, 8, 3), nn.ReLU()), nni.ConvReLU2d(conv(8, 6, 1), nn.ReLU()),
                      conv(6, 4, 3)).eval()
    x = torch.randn(2, 3, 8, 8, generator=g)
    before = {k: tensor_json(v) for k, v in m.state_dict().items()}
    ref = m(x)
    equalize(m, [["0", "1"], ["1", "2"]], threshold=1e-6)
    return {"before": before, "after": {k: tensor_json(v) for k, v in m.state_dict().items()},
            "x": tensor_json(x), "out": tensor_json(ref), "out_after": tensor_json(m(x))}


def mobilenet_ptq_fixture():
    """torchvision's quantizable mobilenet_v2(width 0.35, 10 classes), qnnpack PTQ; weights as raw float32 LE."""
    import numpy as np
    from torch import nn
    from torch.ao.quantization import get_default_qconfig, prepare, convert
    from torchvision.models.quantization import mobilenet_v2 as qmobilenet_v2
    torch.manual_seed(17)
    m = qmobilenet_v2(width_mult=0.35, num_classes=10)
    g = torch.Generator().manual_seed(18)
    with torch.no_grad():
        for mod in m.modules():
            if isinstance(mod, nn.BatchNorm2d):
                n = mod.num_features
                mod.running_mean.copy_(torch.randn(n, generator=g) * 0.2)
                mod.running_var.copy_(torch.rand(n, generator=g) + 0.5)
                mod.weight.copy_(1 + 0.3 * torch.randn(n, generator=g))
                mod.bias.copy_(0.2 * torch.randn(n, generator=g))
    m.eval()
    keys, blobs, offset, index = [], [], 0, {}
    for k, v in m.state_dict().items():
        if k.endswith("num_batches_tracked"):
            continue
        a = v.detach().to(torch.float32).contiguous().numpy().astype("<f4")
        index[k] = {"shape": list(v.shape), "offset": offset}
        offset += a.size
        blobs.append(a.ravel())
    np.concatenate(blobs).tofile(os.path.join(OUT, "mobilenet_v2_w035.f32"))
    calib = [torch.randn(2, 3, 32, 32, generator=g) for _ in range(2)]
    x = torch.randn(2, 3, 32, 32, generator=g)
    ref = m(x)
    torch.backends.quantized.engine = "qnnpack"
    m.fuse_model()
    m.qconfig = get_default_qconfig("qnnpack")
    prepare(m, inplace=True)
    # what torch's own observers see at the layers where labkit's float rounding moves the histogram search
    watched = ["features.15.conv.2", "features.16.conv.0.0", "classifier.1"]
    seen = {k: [] for k in watched}
    hooks = [dict(m.named_modules())[k + ".activation_post_process"].register_forward_pre_hook(
        lambda mod, inp, k=k: seen[k].append(tensor_json(inp[0]))) for k in watched]
    for b in calib:
        m(b)
    for h in hooks:
        h.remove()
    convert(m, inplace=True)
    qout = m(x)
    act = {}
    for name, mod in m.named_modules():
        if hasattr(mod, "scale") and hasattr(mod, "zero_point"):
            if name.endswith("skip_add") and not mod.__class__.__name__.startswith("QFunctional"):
                continue
            sc = float(mod.scale)
            if name.endswith("skip_add") and sc == 1.0 and int(mod.zero_point) == 0:
                continue  # FloatFunctional of a block without residual: never called
            act[name] = {"scale": [float(torch.tensor(sc, dtype=torch.float32))], "zeroPoint": [int(mod.zero_point)]}
    return {"index": index, "calibration": [tensor_json(b) for b in calib], "x": tensor_json(x), "observed": seen,
            "float_out": tensor_json(ref), "int8_out": tensor_json(qout), "activations": act}


def qat_convbn_fixture():
    """torch's fused QAT ConvBnReLU2d: training forward with batch statistics, eval, freeze_bn.

    The weight fake-quant is torch's plain FakeQuantize(MovingAverageMinMaxObserver, qint8, per-tensor symmetric)
    (default_weight_fake_quant), whose qparams are the observer's. get_default_qat_qconfig("qnnpack") in 1.13 uses
    FusedMovingAvgObsFakeQuantize instead, whose symmetric scale is max(|min|/128, max/127), not max|x|/127.5.
    """
    import torch.nn.intrinsic.qat as nniqat
    from torch.ao.quantization import QConfig, default_fake_quant, default_weight_fake_quant
    torch.manual_seed(29)
    g = torch.Generator().manual_seed(30)
    qconfig = QConfig(activation=default_fake_quant, weight=default_weight_fake_quant)
    m = nniqat.ConvBnReLU2d(3, 4, 3, padding=1, qconfig=qconfig)
    with torch.no_grad():
        m.bn.running_mean.copy_(torch.randn(4, generator=g) * 0.2)
        m.bn.running_var.copy_(torch.rand(4, generator=g) + 0.5)
        m.bn.weight.copy_(1 + 0.3 * torch.randn(4, generator=g))
        m.bn.bias.copy_(0.2 * torch.randn(4, generator=g))
    state = {k: tensor_json(v) for k, v in m.state_dict().items()
             if k in ("weight", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var")}
    x = torch.randn(4, 3, 6, 6, generator=g)
    m.train()
    with torch.no_grad():
        train1 = m(x)
        after = {"running_mean": tensor_json(m.bn.running_mean), "running_var": tensor_json(m.bn.running_var),
                 "weight_scale": [float(m.weight_fake_quant.scale)]}
        m.eval()
        m.apply(torch.ao.quantization.disable_observer)  # labkit's weight observers see training forwards only
        ev = m(x)
        m.apply(torch.ao.quantization.enable_observer)
        m.train()
        m.apply(nniqat.freeze_bn_stats)
        frozen = m(x)
        frozen_mean = tensor_json(m.bn.running_mean)
    return {"state": state, "x": tensor_json(x), "train": tensor_json(train1), "after_train": after,
            "eval": tensor_json(ev), "frozen": tensor_json(frozen), "frozen_running_mean": frozen_mean}


def dump(name, obj):
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(obj, f, separators=(",", ":"))
    print("wrote", name, len(obj))


FIXTURES = {
    "observers.json": lambda: observer_cases(),
    "histogram.json": lambda: histogram_cases(),
    "quantize.json": lambda: quantize_cases(),
    "histogram_growth.json": lambda: histogram_growth_cases(),
    "mobilenet_v2.json": lambda: mobilenet_v2_fixture(),
    "ptq_tiny.json": lambda: ptq_fixture(),
    "cle.json": lambda: cle_fixture(),
    "mobilenet_v2_w035_ptq.json": lambda: mobilenet_ptq_fixture(),
    "qat_convbn.json": lambda: qat_convbn_fixture(),
}

if __name__ == "__main__":
    import sys
    # all fixtures, or only those named: make_quant_fixtures.py qat_convbn.json
    for name in sys.argv[1:] or FIXTURES:
        dump(name, FIXTURES[name]())
