"""Fixtures for the depth project (issue 6). Run with Debian's python: /usr/bin/python3 make_depth_fixtures.py

Writes into labkit/src/test/resources/fixtures/depth/:
  efficientnet_b0.json  torchvision 0.14 efficientnet_b0 state-dict keys (minus num_batches_tracked) with shapes,
                        parameter counts, and the eval-mode output of the model whose weights are set by a
                        formula both sides can compute (see fill()), on a formula input.
  ssim.json             scikit-image structural_similarity(gaussian_weights=True, sigma=1.5,
                        use_sample_covariance=False, data_range=L) on seeded image pairs, and the same number from
                        torchmetrics' algorithm written out in torch (reflect pad 5, 11x11 Gaussian, crop 5).
  resize.json           torch.nn.functional.interpolate(bilinear, align_corners=False, antialias=True), which is
                        what torchvision's Resize computes on PIL images / antialiased tensors.
and labkit/src/main/resources/labkit/image/colormaps.txt from matplotlib's listed colormaps.
"""
import json, math, os
import numpy as np
import torch, torchvision
import torch.nn.functional as F
from skimage.metrics import structural_similarity

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "resources", "fixtures", "depth")
RES = os.path.join(HERE, "..", "..", "main", "resources", "labkit", "image")
os.makedirs(OUT, exist_ok=True)
os.makedirs(RES, exist_ok=True)


def fill(shape, k):
    """Deterministic parameter values: scale * sin(0.7 i + 1.3 k), scale = 1/sqrt(fan_in) (1 for vectors)."""
    n = int(np.prod(shape))
    i = np.arange(n, dtype=np.float64)
    fan_in = n // shape[0] if len(shape) > 1 else 1
    v = np.sin(0.7 * i + 1.3 * k) * (math.sqrt(3.0 / fan_in) if len(shape) > 1 else 0.1)
    return torch.tensor(v.reshape(shape), dtype=torch.float32)


def efficientnet():
    m = torchvision.models.efficientnet_b0().eval()
    sd = m.state_dict()
    bn = {name for name, mod in m.named_modules() if isinstance(mod, torch.nn.BatchNorm2d)}
    keys = [k for k in sd if not k.endswith("num_batches_tracked")]
    kinds, new = [], {}
    for k_index, k in enumerate(keys):
        owner, leaf = k.rsplit(".", 1)
        shape = tuple(sd[k].shape)
        kind = ("bn_" + leaf) if owner in bn else "param"
        if kind == "bn_running_mean":
            v = torch.zeros(shape)
        elif kind == "bn_running_var":
            v = torch.ones(shape)
        elif kind == "bn_weight":
            v = 1.0 + fill(shape, k_index)
        else:
            v = fill(shape, k_index)
        new[k] = v
        kinds.append(kind)
    m.load_state_dict(new, strict=False)
    x = torch.tensor(np.sin(np.arange(3 * 64 * 64) * 0.01).reshape(1, 3, 64, 64), dtype=torch.float32)
    with torch.no_grad():
        feats = m.features(x)
        logits = m(x)
    return {
        "keys": [[k, list(sd[k].shape), kind] for k, kind in zip(keys, kinds)],
        "fill": "param k (index in keys): scale*sin(0.7 i + 1.3 k), scale sqrt(3/fan_in) for >=2-D, 0.1 for vectors;"
                " BN weight 1+fill, running_mean 0, running_var 1",
        "params_total": sum(p.numel() for p in m.parameters()),
        "params_features": sum(p.numel() for p in m.features.parameters()),
        "input": "sin(0.01 * i) for i in 0..3*64*64, shape 1x3x64x64",
        "features_shape": list(feats.shape),
        "features": [round(float(v), 7) for v in feats.flatten()],
        "logits_first": [round(float(v), 7) for v in logits.flatten()[:50]],
    }


def tm_ssim(p, t, L):
    """torchmetrics' _ssim_update written out: reflect pad 5, 11x11 Gaussian (sigma 1.5), crop 5, mean."""
    k, s = 11, 1.5
    d = torch.arange((1 - k) / 2, (1 + k) / 2, 1.0, dtype=torch.float64)
    g = torch.exp(-torch.pow(d / s, 2) / 2)
    g = (g / g.sum())
    kern = (g[:, None] @ g[None, :])[None, None]
    c1, c2 = (0.01 * L) ** 2, (0.03 * L) ** 2
    p = F.pad(p, (5, 5, 5, 5), mode="reflect")
    t = F.pad(t, (5, 5, 5, 5), mode="reflect")
    inp = torch.cat((p, t, p * p, t * t, p * t))
    out = F.conv2d(inp, kern)
    n = p.shape[0]
    mp, mt, pp, tt, pt = [out[i * n:(i + 1) * n] for i in range(5)]
    sp, st, spt = pp - mp ** 2, tt - mt ** 2, pt - mp * mt
    ssim = ((2 * mp * mt + c1) * (2 * spt + c2)) / ((mp ** 2 + mt ** 2 + c1) * (sp + st + c2))
    ssim = ssim[..., 5:-5, 5:-5]
    return ssim.reshape(n, -1).mean(-1)


def ssim_cases():
    rng = np.random.default_rng(6)
    cases = []
    for (h, w, L, noise) in [(56, 56, 1.0, 0.1), (32, 40, 1.0, 0.3), (24, 24, 10.0, 1.0), (56, 56, 1.0, 0.0), (20, 31, 2.0, 0.05)]:
        yy, xx = np.mgrid[0:h, 0:w]
        target = (0.5 + 0.4 * np.sin(xx / 5.0) * np.cos(yy / 7.0)) * L / 1.0
        target = np.clip(target + rng.normal(0, 0.05 * L, (h, w)), 0, L)
        pred = np.clip(target + rng.normal(0, noise * L, (h, w)) if noise > 0 else target.copy(), 0, L)
        pred = pred.astype(np.float32)
        target = target.astype(np.float32)
        sk = structural_similarity(pred.astype(np.float64), target.astype(np.float64), gaussian_weights=True,
                                   sigma=1.5, use_sample_covariance=False, data_range=L)
        tm = float(tm_ssim(torch.tensor(pred, dtype=torch.float64)[None, None],
                           torch.tensor(target, dtype=torch.float64)[None, None], L)[0])
        assert abs(sk - tm) < 1e-9, (sk, tm)
        cases.append({"h": h, "w": w, "data_range": L, "pred": [round(float(v), 7) for v in pred.flatten()],
                      "target": [round(float(v), 7) for v in target.flatten()], "ssim": sk,
                      "mse": float(np.mean((pred.astype(np.float64) - target.astype(np.float64)) ** 2))})
    return cases


def resize_cases():
    rng = np.random.default_rng(7)
    cases = []
    for (h, w, oh, ow) in [(48, 64, 14, 14), (30, 40, 12, 20), (10, 12, 25, 18), (21, 17, 21, 17)]:
        x = rng.random((h, w)).astype(np.float32)
        y = F.interpolate(torch.tensor(x)[None, None], size=(oh, ow), mode="bilinear", align_corners=False,
                          antialias=True)[0, 0]
        cases.append({"h": h, "w": w, "out_h": oh, "out_w": ow, "input": [round(float(v), 7) for v in x.flatten()],
                      "output": [float(v) for v in y.flatten()]})
    return cases


def plateau_cases():
    """torch.optim.lr_scheduler.ReduceLROnPlateau: the rate used in each epoch for a sequence of val losses."""
    cases = []
    losses = [1.0, 0.9, 0.95, 0.91, 0.9, 0.89, 0.95, 0.96, 0.97, 0.5, 0.6, 0.6, 0.6, 0.6, 0.6]
    for factor, patience, cooldown, min_lr in [(0.5, 1, 0, 0.0), (0.1, 2, 1, 1e-4), (0.5, 0, 2, 0.0)]:
        p = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.AdamW([p], lr=1e-2)
        sch = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=factor, patience=patience, cooldown=cooldown,
                                                         min_lr=min_lr)
        lrs = []
        for v in losses:
            lrs.append(opt.param_groups[0]["lr"])
            sch.step(v)
        cases.append({"factor": factor, "patience": patience, "cooldown": cooldown, "min_lr": min_lr,
                      "base_lr": 1e-2, "losses": losses, "lrs": lrs})
    return cases


def colormaps():
    from matplotlib import cm
    lines = ["# matplotlib 3.6 _cm_listed tables (viridis, plasma, magma, inferno: 256 RGB rows each, 0..1)"]
    for name in ["viridis", "plasma", "magma", "inferno"]:
        colors = cm.get_cmap(name).colors
        assert len(colors) == 256
        lines.append(name)
        lines += ["%.6f %.6f %.6f" % tuple(c) for c in colors]
    with open(os.path.join(RES, "colormaps.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    with open(os.path.join(OUT, "efficientnet_b0.json"), "w") as f:
        json.dump(efficientnet(), f)
    with open(os.path.join(OUT, "ssim.json"), "w") as f:
        json.dump(ssim_cases(), f)
    with open(os.path.join(OUT, "resize.json"), "w") as f:
        json.dump(resize_cases(), f)
    with open(os.path.join(OUT, "plateau.json"), "w") as f:
        json.dump(plateau_cases(), f)
    colormaps()
    print("ok")
