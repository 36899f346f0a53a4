"""Generates fixtures for labkit.compress / labkit.models.StudentNet tests with Debian's torch 1.13:
- the NTU homework's StudentNet: parameter counts (and state-dict keys/shapes for one size) for several
  base/width_mult, output shape at 32x32;
- the knowledge-distillation loss: F.kl_div(F.log_softmax(s/T), F.softmax(t/T), reduction='batchmean') and the
  full alpha*T^2*KL + (1-alpha)*CE on fixed logits.

Run: /usr/bin/python3 labkit/src/test/python/make_compress_fixtures.py
Writes labkit/src/test/resources/fixtures/compress/compress.json
"""
import json
import os

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(0)
OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "fixtures", "compress", "compress.json")


class StudentNet(nn.Module):
    """The homework's network, verbatim in structure."""

    def __init__(self, base=16, width_mult=1, classes=11):
        super().__init__()
        multiplier = [1, 2, 4, 8, 16, 16, 16, 16]
        bandwidth = [base * m for m in multiplier]
        for i in range(3, 7):
            bandwidth[i] = int(bandwidth[i] * width_mult)
        layers = [nn.Sequential(nn.Conv2d(3, bandwidth[0], 3, 1, 1), nn.BatchNorm2d(bandwidth[0]), nn.ReLU6(),
                                nn.MaxPool2d(2, 2, 0))]
        for i in range(1, 8):
            block = [nn.Conv2d(bandwidth[i - 1], bandwidth[i - 1], 3, 1, 1, groups=bandwidth[i - 1]),
                     nn.BatchNorm2d(bandwidth[i - 1]), nn.ReLU6(), nn.Conv2d(bandwidth[i - 1], bandwidth[i], 1)]
            if i < 4:
                block.append(nn.MaxPool2d(2, 2, 0))
            layers.append(nn.Sequential(*block))
        layers.append(nn.AdaptiveAvgPool2d((1, 1)))
        self.cnn = nn.Sequential(*layers)
        self.fc = nn.Sequential(nn.Linear(bandwidth[7], classes))

    def forward(self, x):
        out = self.cnn(x)
        return self.fc(out.view(out.size()[0], -1))


student = {}
for base, wm, classes in [(16, 1.0, 11), (16, 0.5, 11), (8, 1.0, 10), (8, 0.25, 10), (4, 0.75, 10)]:
    m = StudentNet(base, wm, classes)
    y = m.eval()(torch.zeros(2, 3, 32, 32))
    student[f"{base}_{wm}_{classes}"] = {
        "base": base, "width_mult": wm, "classes": classes,
        "parameters": sum(p.numel() for p in m.parameters()),
        "output_shape": list(y.shape),
    }
m = StudentNet(8, 0.5, 10)
keys = {k: list(v.shape) for k, v in m.state_dict().items() if not k.endswith("num_batches_tracked")}

# distillation loss on fixed logits
N, C, T, alpha = 6, 5, 4.0, 0.7
s = torch.randn(N, C) * 3
t = torch.randn(N, C) * 3
y = torch.randint(0, C, (N,))
kl = F.kl_div(F.log_softmax(s / T, dim=1), F.softmax(t / T, dim=1), reduction="batchmean")
ce = F.cross_entropy(s, y)
total = alpha * T * T * kl + (1 - alpha) * ce
kd = {"student": s.tolist(), "teacher": t.tolist(), "labels": y.tolist(), "temperature": T, "alpha": alpha,
      "kl_batchmean": kl.item(), "cross_entropy": ce.item(), "loss": total.item()}

os.makedirs(os.path.dirname(OUT), exist_ok=True)
with open(OUT, "w") as f:
    json.dump({"student_net": student, "student_net_8_0.5_10_keys": keys, "kd": kd}, f, indent=1)
print("wrote", OUT)
