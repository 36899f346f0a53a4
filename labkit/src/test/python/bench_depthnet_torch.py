"""PyTorch twin of labkit's DepthNet, for `labkit bench depth` comparisons on the same machine.

/usr/bin/python3 bench_depthnet_torch.py [--threads 1] [--runs 20] [--steps 6] [--batch 8]
Prints the parameter count (must equal labkit's: 3,757,528), training images/s (AdamW, MSE, batch 8, 224²),
inference latency (batch 1, median) and peak RSS (VmHWM). Same layout as labkit.models.DepthNet: torchvision
efficientnet_b0 features[0..7] -> levels 3/5/7 -> BiFPN (1x1 conv+BN projections to 64, 3 layers of fast normalised
fusion nodes with depthwise-separable conv+BN+SiLU, nearest up, maxpool 3/2/1 down) -> head (bilinear x2 / x4,
concat, conv3x3+BN+SiLU, conv1x1 -> 1).
"""
import argparse, time
import torch, torch.nn as nn, torch.nn.functional as F, torchvision


class Node(nn.Module):
    def __init__(self, n, w):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(n))
        self.depthwise = nn.Conv2d(w, w, 3, padding=1, groups=w, bias=False)
        self.pointwise = nn.Conv2d(w, w, 1, bias=False)
        self.bn = nn.BatchNorm2d(w)
        self.act = nn.SiLU()

    def forward(self, xs):
        wr = F.relu(self.weight)
        s = sum(wr[j] * x for j, x in enumerate(xs)) / (wr.sum() + 1e-4)
        return self.act(self.bn(self.pointwise(self.depthwise(s))))


class Layer(nn.Module):
    def __init__(self, levels, w):
        super().__init__()
        self.levels = levels
        self.td = nn.ModuleList([Node(2, w) for _ in range(levels - 1)])
        self.out = nn.ModuleList([Node(3 if i < levels - 1 else 2, w) for i in range(1, levels)])

    def forward(self, p):
        L = self.levels
        td = [None] * L
        td[L - 1] = p[L - 1]
        for i in range(L - 2, -1, -1):
            td[i] = self.td[i]([p[i], F.interpolate(td[i + 1], scale_factor=2, mode="nearest")])
        out = [td[0]] + [None] * (L - 1)
        for i in range(1, L):
            down = F.max_pool2d(out[i - 1], 3, 2, 1)
            ins = [p[i], td[i], down] if i < L - 1 else [p[i], down]
            out[i] = self.out[i - 1](ins)
        return out


class DepthNet(nn.Module):
    def __init__(self, w=64, repeats=3):
        super().__init__()
        self.features = torchvision.models.efficientnet_b0().features[:8]
        self.proj = nn.ModuleList([nn.Sequential(nn.Conv2d(c, w, 1, bias=False), nn.BatchNorm2d(w)) for c in (40, 112, 320)])
        self.layers = nn.ModuleList([Layer(3, w) for _ in range(repeats)])
        self.conv = nn.Sequential(nn.Conv2d(2 * w, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.SiLU())
        self.out = nn.Conv2d(w, 1, 1)

    def forward(self, x):
        levels = []
        for i, f in enumerate(self.features):
            x = f(x)
            if i in (3, 5, 7):
                levels.append(x)
        p = [proj(l) for proj, l in zip(self.proj, levels)]
        for layer in self.layers:
            p = layer(p)
        h = torch.cat([F.interpolate(p[0], scale_factor=2, mode="bilinear", align_corners=False),
                       F.interpolate(p[1], scale_factor=4, mode="bilinear", align_corners=False)], 1)
        return self.out(self.conv(h))


def peak():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) // 1024
    return -1


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--steps", type=int, default=6)
    ap.add_argument("--batch", type=int, default=8)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    net = DepthNet()
    print("torch", torch.__version__, "threads", torch.get_num_threads(), "parameters",
          f"{sum(p.numel() for p in net.parameters()):,}")
    opt = torch.optim.AdamW(net.parameters(), lr=1e-3)
    net.train()
    times = []
    for s in range(a.steps + 2):
        x = torch.rand(a.batch, 3, 224, 224)
        y = torch.rand(a.batch, 1, 56, 56)
        t = time.perf_counter()
        loss = F.mse_loss(net(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if s >= 2:
            times.append(time.perf_counter() - t)
    times.sort()
    med = times[len(times) // 2]
    print(f"training, batch {a.batch}: {a.batch / med:.1f} images/s (median step {med * 1e3:.0f} ms), peak RSS {peak()} MiB")
    net.eval()
    x = torch.rand(1, 3, 224, 224)
    lat = []
    with torch.no_grad():
        for i in range(a.runs + 3):
            t = time.perf_counter()
            net(x)
            if i >= 3:
                lat.append((time.perf_counter() - t) * 1e3)
    lat.sort()
    print(f"inference, batch 1: {lat[len(lat) // 2]:.1f} ms median (min {lat[0]:.1f}, max {lat[-1]:.1f}), peak RSS {peak()} MiB")
