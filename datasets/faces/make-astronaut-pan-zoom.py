#!/usr/bin/env python3
"""Makes labkit's real-face test video: a pan/zoom over scikit-image's astronaut photo (NASA, public domain).

Needs Debian's python3-skimage (the photo) and ffmpeg. Writes astronaut-pan-zoom.mp4 (120 frames, 320x320, 25 fps,
H.264) and astronaut-pan-zoom.csv (per frame: the photo window x0, y0, side that was scaled to the frame), which the
test uses to place the face (its box in the photo, found by the frontal-face cascade on the still: x 177, y 67,
side 93) in every frame. Usage: python3 make-astronaut-pan-zoom.py OUT_DIR
"""
import os
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

PHOTO = '/usr/lib/python3/dist-packages/skimage/data/astronaut.png'
W, N = 320, 120


def windows():
    for n in range(N):
        t = n / (N - 1)
        if t < 0.5:  # zoom in from the whole photo to a close-up of the face
            u = t / 0.5
            side, cx, cy = 512 - u * (512 - 220), 256 + u * (215 - 256), 256 + u * (140 - 256)
        else:  # pan right and back while zooming out a little
            u = (t - 0.5) / 0.5
            side, cx, cy = 220 + u * 120, 215 + 60 * np.sin(u * np.pi), 140 + u * 60
        x0 = min(max(cx - side / 2, 0), 512 - side)
        y0 = min(max(cy - side / 2, 0), 512 - side)
        yield n, x0, y0, side


def main(out):
    src = Image.open(PHOTO).convert('RGB')
    rows = list(windows())
    with tempfile.TemporaryDirectory() as tmp:
        for n, x0, y0, side in rows:
            src.transform((W, W), Image.EXTENT, (x0, y0, x0 + side, y0 + side), Image.BICUBIC).save(
                os.path.join(tmp, 'f_%03d.png' % n))
        subprocess.run(['ffmpeg', '-loglevel', 'error', '-y', '-framerate', '25', '-i', os.path.join(tmp, 'f_%03d.png'),
                        '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-crf', '26', '-preset', 'slow',
                        os.path.join(out, 'astronaut-pan-zoom.mp4')], check=True)
    with open(os.path.join(out, 'astronaut-pan-zoom.csv'), 'w') as f:
        f.write('frame,x0,y0,side\n')
        for r in rows:
            f.write('%d,%.3f,%.3f,%.3f\n' % r)


if __name__ == '__main__':
    main(sys.argv[1] if len(sys.argv) > 1 else '.')
