"""Generates fixtures for labkit.train tests with Debian's torch 1.13: a few optimizer steps (Adam, AdamW, SGD with
momentum/Nesterov/weight decay) on fixed parameters and gradients, and learning rates of epoch-stepped schedulers.

Run: /usr/bin/python3 labkit/src/test/python/make_train_fixtures.py
Writes labkit/src/test/resources/fixtures/train/optim.json
"""
import json
import os

import torch

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "fixtures", "train", "optim.json")

p0 = torch.randn(6)
grads = [torch.randn(6) for _ in range(4)]


def run(make):
    p = torch.nn.Parameter(p0.clone())
    opt = make([p])
    for g in grads:
        opt.zero_grad()
        p.grad = g.clone()
        opt.step()
    return p.detach().tolist()


cases = {
    "adam": run(lambda ps: torch.optim.Adam(ps, lr=0.1)),
    "adam_wd": run(lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
    "adamw": run(lambda ps: torch.optim.AdamW(ps, lr=0.05, weight_decay=0.1)),
    "sgd": run(lambda ps: torch.optim.SGD(ps, lr=0.1)),
    "sgd_momentum_wd": run(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    "sgd_nesterov": run(lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, nesterov=True)),
}


def lrs(make, n=8):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=0.1)
    sched = make(opt)
    out = []
    for _ in range(n):
        out.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return out


schedules = {
    "step": lrs(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5)),
    "exponential": lrs(lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9)),
    "cosine": lrs(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=6, eta_min=0.001), n=7),
}

# clip_grad_norm_: two parameters, total norm and the clipped gradients
a = torch.nn.Parameter(torch.zeros(3))
b = torch.nn.Parameter(torch.zeros(2))
a.grad = torch.tensor([3.0, 0.0, 4.0])
b.grad = torch.tensor([12.0, 0.0])
total = torch.nn.utils.clip_grad_norm_([a, b], max_norm=1.0)
clip = {"total_norm": float(total), "a": a.grad.tolist(), "b": b.grad.tolist()}

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump({"torch": torch.__version__, "p0": p0.tolist(), "grads": [g.tolist() for g in grads],
               "optimizers": cases, "schedules": schedules, "clip": clip}, f, indent=1)
print("wrote", os.path.normpath(OUT))
