#!/usr/bin/python3
"""End-to-end top-5 references for labkit.weights.PretrainedWeights.predict (torch 1.13 / torchvision 0.14):

    /usr/bin/python3 labkit/src/test/python/make_top5_fixtures.py [--dump DIR]

The real ImageNet weight files cannot be downloaded here, so the full-size torchvision networks (MobileNetV2,
EfficientNet-B0, ResNet-18; 1000 classes) get the closed-formula weights of make_mapping_fixtures.py, which
labkit.weights.FormulaWeights recomputes bit for bit in Java. Everything else is torchvision's own path:

  1. two seeded, photo-like RGB pictures (sky gradient, wavy horizon, soft blobs, a hard-edged "building",
     low-frequency texture), written as PNG and read back with PIL:
       scene_320x240.png  landscape, shorter side 240 -> 256 (the resize enlarges)
       scene_300x380.png  portrait,  shorter side 300 -> 256 (the resize shrinks: PIL's antialiased filter)
  2. each model's weights.transforms() of torchvision 0.14 (ImageClassification: Resize(256) with the weights'
     interpolation -- bilinear for MobileNetV2 / ResNet-18, bicubic for EfficientNet-B0 -- on the PIL image,
     CenterCrop(224), to float in [0, 1], Normalize(ImageNet mean/std));
  3. an eval-mode forward, softmax, top-5 with weights.meta["categories"].

Writes labkit/src/test/resources/fixtures/weights/top5/:
  scene_*.png         the pictures
  top5.json           per picture and interpolation ("crops"): the SHA-256 of the uint8 crop (224x224x3 HWC, before
                      ToTensor) and of the preprocessed 3x224x224 float32 tensor (little-endian), the crop
                      subsampled every 8th row and column (28x28x3, base64), the tensor's per-channel sum and sum
                      of squares, and how far torchvision's tensor path (read_image -> transforms) is from it;
                      per picture and model ("models"): the transform's settings, the formula gain, the 1000
                      logits' min/max/std/logsumexp, how far float32 logits are from a float64 forward, the top-6
                      logits and the top-5 indices, names and probabilities; "pil_resize": a 17x13 random
                      picture and Pillow's bilinear / bicubic resizes of it to sizes that shrink, enlarge or keep
                      each axis

--dump DIR also writes every full uint8 crop (DIR/<picture>_<interp>.u8, 224x224x3 HWC) and every model's
full logits (DIR/<picture>_<model>.f32) for measuring by hand.
"""
import base64
import copy
import hashlib
import json
import os
import sys

import numpy as np
import PIL
import torch
import torchvision
from PIL import Image
from torchvision.models import (EfficientNet_B0_Weights, MobileNet_V2_Weights, ResNet18_Weights, efficientnet_b0,
                                mobilenet_v2, resnet18)
from torchvision.transforms import functional as F

sys.path.insert(0, os.path.dirname(__file__))
from make_mapping_fixtures import value  # noqa: E402  (the closed formula, shared with the other fixtures)

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "fixtures", "weights", "top5")
SUB = 8  # subsampling step of the stored uint8 crops

# (name, constructor, weights, gain): gain multiplies the variance of the formula's >= 2-dim weights. With the
# plain formula (gain 1) MobileNetV2's and EfficientNet-B0's logits hardly depend on the picture (their
# activations fade layer by layer: std across pictures 0.0007 and 0.00002 against 0.15 and 0.08 across classes,
# the same top-5 for every picture), which would prove nothing about the image path. These gains keep the
# networks between fading and blowing up (EfficientNet-B0 explodes from about 2.6); each gives logits with a
# std of a few units across classes and a different top-5 for each picture.
MODELS = [
    ("mobilenet_v2", mobilenet_v2, MobileNet_V2_Weights.IMAGENET1K_V1, 2.25),
    ("efficientnet_b0", efficientnet_b0, EfficientNet_B0_Weights.IMAGENET1K_V1, 2.5),
    ("resnet18", resnet18, ResNet18_Weights.IMAGENET1K_V1, 1.25),
]
PICTURES = [(320, 240, 1), (300, 380, 2)]  # width, height, seed


def scene(width, height, seed):
    """A seeded photo-like RGB picture (uint8 H x W x 3)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    yn, xn = y / height, x / width
    img = np.zeros((height, width, 3))
    # sky: vertical gradient
    top, bottom = rng.uniform(60, 140, 3) * [0.6, 0.8, 1.6], rng.uniform(170, 230, 3)
    img[:] = (top * (1 - yn[..., None]) + bottom * yn[..., None]).clip(0, 255)
    # ground below a wavy horizon, with its own colour and gradient
    horizon = 0.55 + 0.06 * np.sin(2 * np.pi * (xn * rng.uniform(1, 2.5) + rng.uniform()))
    ground = rng.uniform(40, 150, 3) * [0.8, 1.1, 0.6]
    g = ground * (0.7 + 0.6 * (yn - horizon)[..., None])
    soft = 0.5 + 0.5 * np.tanh(0.5 * (yn - horizon) * height / 1.5)
    img = img * (1 - soft[..., None]) + g * soft[..., None]
    # soft blobs (trees, bushes, a sun)
    for _ in range(7):
        cx, cy = rng.uniform(0.05, 0.95), rng.uniform(0.15, 0.9)
        rx, ry = rng.uniform(0.03, 0.14), rng.uniform(0.03, 0.14)
        d = ((xn - cx) / rx) ** 2 + ((yn - cy) / ry) ** 2
        a = 0.5 - 0.5 * np.tanh(0.5 * (d - 1) * rng.uniform(3, 12))  # a logistic edge
        img = img * (1 - a[..., None]) + rng.uniform(0, 255, 3) * a[..., None]
    # a hard-edged building with windows (sharp edges exercise the interpolation kernels)
    bx0, bx1 = int(width * rng.uniform(0.1, 0.4)), int(width * rng.uniform(0.55, 0.8))
    by0, by1 = int(height * rng.uniform(0.3, 0.45)), int(height * rng.uniform(0.65, 0.8))
    img[by0:by1, bx0:bx1] = rng.uniform(90, 200, 3)
    for wy in range(by0 + 6, by1 - 10, 14):
        for wx in range(bx0 + 5, bx1 - 8, 11):
            img[wy:wy + 7, wx:wx + 5] = rng.uniform(10, 250, 3)
    # low-frequency texture (no pixel noise: it would triple the PNG size)
    for _ in range(4):
        fx, fy, ph = rng.uniform(2, 20), rng.uniform(2, 20), rng.uniform(0, 2 * np.pi)
        img += rng.uniform(2, 8) * np.sin(2 * np.pi * (fx * xn + fy * yn) + ph)[..., None] * rng.uniform(0.5, 1, 3)
    return np.rint(img).clip(0, 255).astype(np.uint8)


def formula_model(ctor, gain):
    model = ctor(weights=None)  # 1000 classes, full size
    sd = model.state_dict()
    with torch.no_grad():
        for k, t in sd.items():
            if k.endswith("num_batches_tracked"):
                t.zero_()
            else:
                t.copy_(value(k, tuple(t.shape), gain))
    return model.eval()


def main():
    dump = sys.argv[sys.argv.index("--dump") + 1] if "--dump" in sys.argv else None
    torch.set_num_threads(1)
    os.makedirs(OUT, exist_ok=True)
    if dump:
        os.makedirs(dump, exist_ok=True)
    models = {name: formula_model(ctor, gain) for name, ctor, _, gain in MODELS}
    pictures = []
    for w, h, seed in PICTURES:
        fname = "scene_%dx%d.png" % (w, h)
        path = os.path.join(OUT, fname)
        Image.fromarray(scene(w, h, seed)).save(path, optimize=True)
        pil = Image.open(path).convert("RGB")  # torchvision's default loader
        entry = {"file": fname, "width": pil.width, "height": pil.height, "crops": {}, "models": {}}
        for name, _, weights, gain in MODELS:
            tf = weights.transforms()
            assert tf.resize_size == [256] and tf.crop_size == [224], tf
            x = tf(pil)  # the official preprocessing, on the PIL image
            # the same steps by hand, to get the uint8 crop that ToTensor turns into x
            crop = F.center_crop(F.resize(pil, tf.resize_size, interpolation=tf.interpolation), tf.crop_size)
            u8 = np.asarray(crop)
            assert torch.equal(F.normalize(F.to_tensor(crop), tf.mean, tf.std), x), "by hand = weights.transforms()"
            # torchvision's other path (read_image -> tensor -> the same transforms), for comparison only
            xt = tf(F.pil_to_tensor(pil))
            xd = x.double()
            entry["crops"][tf.interpolation.value] = {
                "sha256": hashlib.sha256(u8.tobytes()).hexdigest(),
                "tensor_sha256": hashlib.sha256(x.numpy().astype("<f4").tobytes()).hexdigest(),
                "sub_b64": base64.b64encode(np.ascontiguousarray(u8[::SUB, ::SUB]).tobytes()).decode(),
                "tensor_sum": xd.sum(dim=(1, 2)).tolist(), "tensor_sumsq": (xd * xd).sum(dim=(1, 2)).tolist(),
                "tensor_path_max_abs_diff": float((xt - x).abs().max()),
            }
            model = models[name]
            with torch.no_grad():
                logits = model(x.unsqueeze(0))[0].double()
                exact = copy.deepcopy(model).double()(x.double().unsqueeze(0))[0]
            p = torch.softmax(logits, 0)
            order = torch.argsort(logits, descending=True)
            top = order[:5].tolist()
            cats = weights.meta["categories"]
            sorted_logits = logits[order]
            gaps = (sorted_logits[:5] - sorted_logits[1:6]).tolist()
            entry["models"][name] = {
                "weights": str(weights), "gain": gain,
                "resize": tf.resize_size[0], "crop": tf.crop_size[0], "interpolation": tf.interpolation.value,
                "mean": tf.mean, "std": tf.std,
                "logits_min": float(logits.min()), "logits_max": float(logits.max()),
                "logits_std": float(logits.std()), "logsumexp": float(torch.logsumexp(logits, 0)),
                "float32_vs_float64_max_abs_diff": float((exact - logits).abs().max()),
                "top6_logits": sorted_logits[:6].tolist(), "top5_gaps": gaps,
                "top5": top, "top5_names": [cats[i] for i in top], "top5_probs": p[top].tolist(),
            }
            print(fname, name, tf.interpolation.value, "top5", top, [cats[i] for i in top],
                  ["%.4f" % v for v in p[top].tolist()], "gaps", ["%.4f" % g for g in gaps],
                  "logit std %.3f" % float(logits.std()),
                  "fp32-fp64 %.2g" % entry["models"][name]["float32_vs_float64_max_abs_diff"],
                  "tensor path max diff %.3f" % entry["crops"][tf.interpolation.value]["tensor_path_max_abs_diff"])
            assert min(gaps) > 50 * entry["models"][name]["float32_vs_float64_max_abs_diff"], "top-5 too close"
            if dump:
                u8.tofile(os.path.join(dump, "%s_%s.u8" % (fname[:-4], tf.interpolation.value)))
                logits.float().numpy().tofile(os.path.join(dump, "%s_%s.f32" % (fname[:-4], name)))
        pictures.append(entry)
    for name, _, _, _ in MODELS:
        assert len({tuple(p["models"][name]["top5"]) for p in pictures}) == len(pictures), \
            name + ": the pictures should give different top-5 lists"
    with open(os.path.join(OUT, "top5.json"), "w") as f:
        json.dump({"torch": torch.__version__, "torchvision": torchvision.__version__, "pillow": PIL.__version__,
                   "subsample": SUB, "pictures": pictures, "pil_resize": pil_resize_cases()}, f, indent=1)


def pil_resize_cases():
    """Pillow's resize of a small random picture to sizes that shrink / enlarge / keep each axis."""
    src = np.random.default_rng(3).integers(0, 256, (13, 17, 3), dtype=np.uint8)
    pil = Image.fromarray(src)
    cases = []
    for out_w, out_h in [(17, 13), (9, 13), (17, 6), (40, 29), (7, 31), (5, 4)]:
        for interp in (Image.BILINEAR, Image.BICUBIC):
            out = np.asarray(pil.resize((out_w, out_h), interp))
            cases.append({"width": out_w, "height": out_h, "bicubic": interp == Image.BICUBIC,
                          "rgb_b64": base64.b64encode(out.tobytes()).decode()})
    return {"width": 17, "height": 13, "rgb_b64": base64.b64encode(src.tobytes()).decode(), "cases": cases}


if __name__ == "__main__":
    main()
