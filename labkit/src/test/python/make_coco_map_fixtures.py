#!/usr/bin/python3
"""Reference COCO bbox mAP numbers for labkit's CocoEvaluator, computed by pycocotools' COCOeval.

Debian bookworm has no python3-pycocotools, so run it with the pure-Python cocoeval.py/coco.py of a
cocodataset/cocoapi checkout on PYTHONPATH (its C mask module is only needed for box IoU here; this script puts a
numpy box IoU with the C code's crowd rule in its place when the compiled module is missing):

    PYTHONPATH=/path/to/cocoapi/PythonAPI /usr/bin/python3 labkit/src/test/python/make_coco_map_fixtures.py

Writes labkit/src/test/resources/fixtures/detect/coco_map.json: a seeded set of images with ground truth (three
classes, small/medium/large boxes, a few crowd boxes) and detections (jittered matches, misses, false positives),
and the 12 numbers of COCOeval.summarize(). Only a generator: labkit never calls Python.
"""
import json
import os
import sys
import types

import numpy as np

try:
    import pycocotools.mask  # noqa: F401
except Exception:  # no compiled module: numpy box IoU as maskUtils.iou computes it for boxes
    def _iou(d, g, iscrowd):
        d = np.asarray(d, dtype=np.float64).reshape(-1, 4)
        g = np.asarray(g, dtype=np.float64).reshape(-1, 4)
        out = np.zeros((len(d), len(g)))
        for i, a in enumerate(d):
            for j, b in enumerate(g):
                w = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
                h = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
                if w <= 0 or h <= 0:
                    continue
                inter = w * h
                union = a[2] * a[3] if iscrowd[j] else a[2] * a[3] + b[2] * b[3] - inter
                out[i, j] = inter / union
        return out
    m = types.ModuleType("pycocotools.mask")
    m.iou = _iou
    sys.modules["pycocotools.mask"] = m
    for name in ("matplotlib", "matplotlib.pyplot", "matplotlib.collections", "matplotlib.patches"):
        mod = types.ModuleType(name)
        mod.PatchCollection = mod.Polygon = object
        sys.modules[name] = mod

from pycocotools.coco import COCO  # noqa: E402
from pycocotools.cocoeval import COCOeval  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "resources", "fixtures", "detect")


def make_case(seed, n_images=40):
    rng = np.random.default_rng(seed)
    images, anns, dets = [], [], []
    aid = 1
    for img in range(1, n_images + 1):
        images.append({"id": img, "width": 320, "height": 320, "file_name": "%03d.png" % img})
        for _ in range(rng.integers(0, 6)):
            side = float(rng.choice([rng.uniform(8, 30), rng.uniform(34, 90), rng.uniform(100, 200)]))
            w = round(side * rng.uniform(0.7, 1.3), 1)
            h = round(side * rng.uniform(0.7, 1.3), 1)
            x = round(rng.uniform(0, 320 - w), 1)
            y = round(rng.uniform(0, 320 - h), 1)
            cat = int(rng.integers(1, 4))
            crowd = int(rng.uniform() < 0.05)
            anns.append({"id": aid, "image_id": img, "category_id": cat, "bbox": [x, y, w, h],
                         "area": round(w * h, 2), "iscrowd": crowd})
            aid += 1
            if rng.uniform() < 0.8:  # detected, with jitter and maybe the wrong class
                j = lambda s: round(float(rng.normal(0, s)), 2)
                dc = cat if rng.uniform() < 0.9 else int(rng.integers(1, 4))
                dets.append({"image_id": img, "category_id": dc,
                             "bbox": [x + j(0.08 * w), y + j(0.08 * h), max(1.0, w + j(0.1 * w)),
                                      max(1.0, h + j(0.1 * h))],
                             "score": round(float(rng.uniform(0.3, 1.0)), 4)})
        for _ in range(rng.integers(0, 4)):  # false positives
            w, h = float(rng.uniform(5, 120)), float(rng.uniform(5, 120))
            dets.append({"image_id": img, "category_id": int(rng.integers(1, 4)),
                         "bbox": [round(float(rng.uniform(0, 320 - w)), 1), round(float(rng.uniform(0, 320 - h)), 1),
                                  round(w, 1), round(h, 1)],
                         "score": round(float(rng.uniform(0.0, 0.8)), 4)})
    cats = [{"id": c, "name": n} for c, n in ((1, "circle"), (2, "square"), (3, "triangle"))]
    return {"images": images, "annotations": anns, "categories": cats}, dets


def evaluate(gt_json, dets):
    coco = COCO()
    coco.dataset = json.loads(json.dumps(gt_json))
    coco.createIndex()
    res = coco.loadRes(json.loads(json.dumps(dets)))
    ev = COCOeval(coco, res, "bbox")
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
    return [float(v) for v in ev.stats]


def main():
    os.makedirs(OUT, exist_ok=True)
    cases = []
    for seed in (1, 2):
        gt, dets = make_case(seed)
        cases.append({"seed": seed, "groundTruth": gt, "detections": dets, "stats": evaluate(gt, dets)})
    with open(os.path.join(OUT, "coco_map.json"), "w") as f:
        json.dump(cases, f, separators=(",", ":"))


if __name__ == "__main__":
    main()
