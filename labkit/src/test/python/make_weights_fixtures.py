#!/usr/bin/python3
"""Fixtures for labkit.weights (run with Debian's python3-torch 1.13 / torchvision 0.14):

    /usr/bin/python3 labkit/src/test/python/make_weights_fixtures.py [--check FILE.pth]

Writes labkit/src/test/resources/fixtures/weights/:
  dtypes_zip.pth, dtypes_legacy.pth   every dtype, strided/transposed/expanded/shared views, 0-dim and empty
  dtypes_bigendian.pth                the zip file rewritten with byteorder "big" (storages byte-swapped)
  dtypes.json                         expected dtype, shape and values (row-major) of every key
  evil_zip.pth, evil_legacy.pth       pickles that call os.system (must be refused)
  task1cnn.pth / .json                torch twin of labkit.models.Task1Cnn, input and reference eval logits
  tinynet.pth / .json                 torch twin of a small labkit.nn model (depthwise ConvBnAct, Residual, ...)
  mobilenet_v2_w025.pth / .json       torchvision MobileNetV2(width_mult=0.25, 10 classes), float16 weights, logits
  keys/*.txt                          full-size torchvision state-dict keys and shapes (no weights)

The full-size EfficientNet-B0 / ResNet-18/50 (and quantizable MobileNetV2) reference logits are made by
make_mapping_fixtures.py with closed-formula weights.

--check FILE loads a .pth written by labkit with torch.load and prints its keys (used by hand to confirm that
torch reads labkit's writer).
"""
import collections
import io
import json
import os
import pickle
import sys
import zipfile

import torch
import torch.nn as nn
import torchvision

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "fixtures", "weights")


def dtypes_dict():
    g = torch.Generator().manual_seed(7)
    base = torch.randn(4, 6, generator=g)
    shared = torch.arange(12, dtype=torch.float32)
    d = collections.OrderedDict()
    # key order is deliberately not alphabetical: the reader must keep it
    d["zeta.f32"] = torch.randn(2, 3, generator=g)
    d["alpha.f16"] = torch.randn(3, 2, generator=g).half()
    d["mid.f64"] = torch.randn(5, generator=g).double()
    d["bf16"] = torch.randn(2, 2, generator=g).bfloat16()
    d["i64"] = torch.tensor([-3, 0, 2**40 + 3, -(2**62)], dtype=torch.int64)
    d["i32"] = torch.tensor([[-7, 1], [2**30, 5]], dtype=torch.int32)
    d["i16"] = torch.tensor([-300, 300], dtype=torch.int16)
    d["i8"] = torch.tensor([-128, 127, 0], dtype=torch.int8)
    d["u8"] = torch.tensor([0, 1, 255, 128], dtype=torch.uint8)
    d["bool"] = torch.tensor([True, False, True])
    d["scalar"] = torch.tensor(3.5)
    d["empty"] = torch.zeros(0, 3)
    d["transposed"] = base.t()                      # stride (1, 6)
    d["offset_slice"] = base[1:, ::2]               # storage offset 6, stride (6, 2)
    d["expanded"] = torch.tensor([1.5, -2.0]).expand(3, 2)  # stride (0, 1)
    d["shared_a"] = shared[2:8].view(2, 3)          # two views of one storage
    d["shared_b"] = shared[5:]
    d["num_batches_tracked"] = torch.tensor(17)
    return d


def to_json_value(t):
    if t.dtype in (torch.float16, torch.bfloat16, torch.float32):
        return [float(v) for v in t.float().reshape(-1).tolist()]
    if t.dtype == torch.float64:
        return [float(v) for v in t.reshape(-1).tolist()]
    if t.dtype == torch.bool:
        return [bool(v) for v in t.reshape(-1).tolist()]
    return [int(v) for v in t.reshape(-1).tolist()]


def write_dtypes():
    d = dtypes_dict()
    torch.save(d, os.path.join(OUT, "dtypes_zip.pth"))
    torch.save(d, os.path.join(OUT, "dtypes_legacy.pth"), _use_new_zipfile_serialization=False)
    meta = collections.OrderedDict()
    for k, t in d.items():
        meta[k] = {"dtype": str(t.dtype).replace("torch.", ""), "shape": list(t.shape),
                   "stride": list(t.stride()), "offset": t.storage_offset(), "values": to_json_value(t)}
    with open(os.path.join(OUT, "dtypes.json"), "w") as f:
        json.dump(meta, f, indent=1)
    write_bigendian(os.path.join(OUT, "dtypes_zip.pth"), os.path.join(OUT, "dtypes_bigendian.pth"), d)


def write_bigendian(src, dst, d):
    """Rewrites a zip .pth as a big-endian machine would have written it (torch honours 'byteorder')."""
    sizes = {}
    # element size of every storage key, read from the pickle's persistent ids
    class P(pickle.Unpickler):
        def find_class(self, mod, name):
            if name.endswith("Storage"):
                return name
            if mod == "torch._utils":
                return lambda *args: None
            return super().find_class(mod, name)

        def persistent_load(self, pid):
            _, stype, key, _, _ = pid
            sizes[key] = {"FloatStorage": 4, "HalfStorage": 2, "DoubleStorage": 8, "BFloat16Storage": 2,
                          "LongStorage": 8, "IntStorage": 4, "ShortStorage": 2, "CharStorage": 1,
                          "ByteStorage": 1, "BoolStorage": 1}[stype]
            return None

    with zipfile.ZipFile(src) as zin:
        names = zin.namelist()
        prefix = names[0].split("/")[0]
        P(io.BytesIO(zin.read(prefix + "/data.pkl"))).load()
        with zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
            for n in names:
                data = zin.read(n)
                if n.startswith(prefix + "/data/"):
                    es = sizes[n.split("/")[-1]]
                    data = b"".join(data[i:i + es][::-1] for i in range(0, len(data), es))
                elif n == prefix + "/byteorder":
                    data = b"big"
                zout.writestr(n, data)
            if prefix + "/byteorder" not in names:
                zout.writestr(prefix + "/byteorder", b"big")


class Evil:
    def __reduce__(self):
        return (os.system, ("echo labkit-test-should-never-run",))


def write_evil():
    payload = collections.OrderedDict(weight=torch.ones(2), hook=Evil())
    torch.save(payload, os.path.join(OUT, "evil_zip.pth"))
    torch.save(payload, os.path.join(OUT, "evil_legacy.pth"), _use_new_zipfile_serialization=False)


def conv_bn_act(cin, cout, k=3, s=1, groups=1, act=nn.ReLU):
    layers = [nn.Conv2d(cin, cout, k, s, (k - 1) // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act is not None:
        layers.append(act())
    return nn.Sequential(*layers)


def randomize_bn(model, g):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=g) * 0.2)
            m.running_var.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=g) * 0.1)
            m.num_batches_tracked.fill_(5)


class Task1CnnTwin(nn.Module):
    """labkit.models.Task1Cnn.create(numClasses, imageSize, width)."""

    def __init__(self, num_classes, image_size, width):
        super().__init__()
        self.features = nn.Sequential(conv_bn_act(3, width), nn.MaxPool2d(2), conv_bn_act(width, 2 * width),
                                      nn.MaxPool2d(2), conv_bn_act(2 * width, 4 * width), nn.MaxPool2d(2))
        flat = 4 * width * (image_size // 8) ** 2
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(flat, 128), nn.ReLU(), nn.Dropout(0.25),
                                        nn.Linear(128, num_classes))

    def forward(self, x):
        return self.classifier(self.features(x))


class Residual(nn.Module):
    """labkit.nn.Residual(body): x + body(x), body under the name 'body'."""

    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, x):
        return x + self.body(x)


class TinyNetTwin(nn.Module):
    """The torch twin of WeightMapperTest.tinyNet(): stem, a depthwise-separable residual, SiLU/ReLU6, a head."""

    def __init__(self):
        super().__init__()
        self.stem = conv_bn_act(3, 8, k=3, s=2, act=nn.SiLU)
        self.block = Residual(nn.Sequential(conv_bn_act(8, 8, k=3, groups=8, act=nn.ReLU6),
                                            conv_bn_act(8, 8, k=1, act=None)))
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 5))

    def forward(self, x):
        return self.head(self.block(self.stem(x)))


def write_model(name, model, x, g):
    randomize_bn(model, g)
    model.eval()
    with torch.no_grad():
        y = model(x)
    torch.save(model.state_dict(), os.path.join(OUT, name + ".pth"))
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"input_shape": list(x.shape), "input": x.reshape(-1).tolist(),
                   "output_shape": list(y.shape), "output": y.reshape(-1).tolist()}, f)


def write_models():
    g = torch.Generator().manual_seed(11)
    torch.manual_seed(11)
    write_model("task1cnn", Task1CnnTwin(3, 16, 4), torch.randn(2, 3, 16, 16, generator=g), g)
    write_model("tinynet", TinyNetTwin(), torch.randn(2, 3, 12, 12, generator=g), g)


def write_reduced(name, model, x, g):
    """A torchvision architecture at reduced width: weights rounded to float16 (saved as float16 to stay small;
    labkit converts them to float32 exactly), random BN statistics, reference eval logits in float32."""
    randomize_bn(model, g)
    with torch.no_grad():
        for t in model.state_dict().values():
            if t.dtype == torch.float32:
                t.copy_(t.half().float())
    model.eval()
    with torch.no_grad():
        y = model(x)
    sd = collections.OrderedDict((k, v.half() if v.dtype == torch.float32 else v)
                                 for k, v in model.state_dict().items())
    torch.save(sd, os.path.join(OUT, name + ".pth"))
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump({"input_shape": list(x.shape), "input": x.reshape(-1).tolist(),
                   "output_shape": list(y.shape), "output": y.reshape(-1).tolist()}, f)


def write_reduced_models():
    g = torch.Generator().manual_seed(13)
    torch.manual_seed(13)
    # MobileNetV2(width_mult=0.25, num_classes=10) on 1×3×32×32 (the last conv stays 1280 wide in torchvision)
    write_reduced("mobilenet_v2_w025", torchvision.models.mobilenet_v2(width_mult=0.25, num_classes=10),
                  torch.randn(1, 3, 32, 32, generator=g), g)


def write_keys():
    from torchvision.models import quantization as q
    os.makedirs(os.path.join(OUT, "keys"), exist_ok=True)
    models = {
        "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(),
        "quantizable_mobilenet_v2": lambda: q.mobilenet_v2(quantize=False),
        "efficientnet_b0": lambda: torchvision.models.efficientnet_b0(),
        "resnet18": lambda: torchvision.models.resnet18(),
        "resnet34": lambda: torchvision.models.resnet34(),
        "resnet50": lambda: torchvision.models.resnet50(),
    }
    for name, make in models.items():
        sd = make().state_dict()
        with open(os.path.join(OUT, "keys", name + ".txt"), "w") as f:
            f.write("# torchvision %s %s state_dict: key<TAB>shape (comma-separated)\n"
                    % (torchvision.__version__, name))
            for k, t in sd.items():
                f.write("%s\t%s\n" % (k, ",".join(str(s) for s in t.shape)))


def write_categories():
    cats = torchvision.models.MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"]
    res = os.path.join(os.path.dirname(__file__), "..", "..", "main", "resources", "labkit", "weights")
    os.makedirs(res, exist_ok=True)
    with open(os.path.join(res, "imagenet_classes.txt"), "w") as f:
        f.write("\n".join(cats) + "\n")


def check(path):
    sd = torch.load(path)
    for k, v in sd.items():
        print(k, tuple(v.shape), v.dtype, float(v.double().sum()) if v.numel() else 0.0)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--check":
        check(sys.argv[2])
        sys.exit(0)
    os.makedirs(OUT, exist_ok=True)
    write_dtypes()
    write_evil()
    write_models()
    write_reduced_models()
    write_keys()
    write_categories()
