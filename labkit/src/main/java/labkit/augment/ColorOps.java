package labkit.augment;

/**
 * The four colour adjustments of torchvision's {@code functional_tensor} ({@code adjust_brightness},
 * {@code adjust_contrast}, {@code adjust_saturation}, {@code adjust_hue}), written over an H×W×C float array
 * valued in [0, 255]. Arithmetic follows torch's float32 order; for uint8 images each step truncates to an
 * integer like torch's {@code .to(torch.uint8)}, so results match torchvision's uint8 tensors.
 */
final class ColorOps {
    private ColorOps() {}

    private static final float BOUND = 255f;

    /** {@code _blend(img, 0, factor)}: scales towards black. */
    static Pixels brightness(Pixels px, double factor) {
        float ratio = (float) factor;
        float[] d = px.data;
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = clamp(ratio * d[i]);
        }
        return finish(px, out);
    }

    /** {@code _blend(img, mean(grayscale(img)), factor)}. */
    static Pixels contrast(Pixels px, double factor) {
        float ratio = (float) factor;
        float rest = (float) (1.0 - factor);
        float[] d = px.data;
        double sum = 0;
        if (px.channels == 3) {
            for (int i = 0; i < d.length; i += 3) {
                sum += gray(d[i], d[i + 1], d[i + 2], px.isUint8());
            }
        } else {
            for (float v : d) {
                sum += v;
            }
        }
        float mean = (float) (sum / (px.height * px.width));
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            out[i] = clamp(ratio * d[i] + rest * mean);
        }
        return finish(px, out);
    }

    /** {@code _blend(img, grayscale(img), factor)}; one-channel images are returned unchanged (like PIL). */
    static Pixels saturation(Pixels px, double factor) {
        if (px.channels == 1) {
            return px;
        }
        float ratio = (float) factor;
        float rest = (float) (1.0 - factor);
        float[] d = px.data;
        float[] out = new float[d.length];
        for (int i = 0; i < d.length; i += 3) {
            float g = gray(d[i], d[i + 1], d[i + 2], px.isUint8());
            out[i] = clamp(ratio * d[i] + rest * g);
            out[i + 1] = clamp(ratio * d[i + 1] + rest * g);
            out[i + 2] = clamp(ratio * d[i + 2] + rest * g);
        }
        return finish(px, out);
    }

    /** Shifts hue by {@code factor} turns in HSV ({@code _rgb2hsv}/{@code _hsv2rgb}); one channel: unchanged. */
    static Pixels hue(Pixels px, double factor) {
        if (px.channels == 1) {
            return px;
        }
        float shift = (float) factor;
        float[] d = px.data;
        float[] out = new float[d.length];
        boolean uint8 = px.isUint8();
        for (int i = 0; i < d.length; i += 3) {
            float r = d[i] / 255f;
            float g = d[i + 1] / 255f;
            float b = d[i + 2] / 255f;
            // _rgb2hsv
            float maxc = Math.max(r, Math.max(g, b));
            float minc = Math.min(r, Math.min(g, b));
            boolean eqc = maxc == minc;
            float cr = maxc - minc;
            float s = cr / (eqc ? 1f : maxc);
            float crDivisor = eqc ? 1f : cr;
            float rc = (maxc - r) / crDivisor;
            float gc = (maxc - g) / crDivisor;
            float bc = (maxc - b) / crDivisor;
            float h;
            if (maxc == r) {
                h = bc - gc;
            } else if (maxc == g) {
                h = 2f + rc - bc;
            } else {
                h = 4f + gc - rc;
            }
            // torch.fmod(h / 6 + 1, 1): h is in [-1, 5], so the sum is in [5/6, 2) and fmod is one exact subtraction
            h = h / 6f + 1f;
            if (h >= 1f) {
                h -= 1f;
            }
            // (h + hue_factor) % 1.0 is Python's remainder (never negative); h + shift is in [-0.5, 1.5)
            h = h + shift;
            if (h < 0f) {
                h += 1f;
            } else if (h >= 1f) {
                h -= 1f;
            }
            // _hsv2rgb (h * 6 >= 0, so the int cast is floor)
            float v = maxc;
            int i6 = (int) (h * 6f);
            float f = h * 6f - i6;
            int sector = i6 % 6;
            float p = clamp01(v * (1f - s));
            float q = clamp01(v * (1f - s * f));
            float t = clamp01(v * (1f - s * (1f - f)));
            float ro;
            float go;
            float bo;
            switch (sector) {
                case 0: ro = v; go = t; bo = p; break;
                case 1: ro = q; go = v; bo = p; break;
                case 2: ro = p; go = v; bo = t; break;
                case 3: ro = p; go = q; bo = v; break;
                case 4: ro = t; go = p; bo = v; break;
                default: ro = v; go = p; bo = q; break;
            }
            if (uint8) {
                out[i] = (int) (ro * 255f);
                out[i + 1] = (int) (go * 255f);
                out[i + 2] = (int) (bo * 255f);
            } else {
                out[i] = ro * 255f;
                out[i + 1] = go * 255f;
                out[i + 2] = bo * 255f;
            }
        }
        return px.with(out);
    }

    /** torchvision's {@code rgb_to_grayscale} weights; truncated to an integer for uint8 images. */
    static float gray(float r, float g, float b, boolean uint8) {
        float l = 0.2989f * r + 0.587f * g + 0.114f * b;
        return uint8 ? (int) l : l;
    }

    private static Pixels finish(Pixels px, float[] out) {
        if (px.isUint8()) {
            for (int i = 0; i < out.length; i++) {
                out[i] = (int) out[i]; // torch .to(uint8) truncates; values are already clamped to [0, 255]
            }
        }
        return px.with(out);
    }

    private static float clamp(float v) {
        return v < 0f ? 0f : (v > BOUND ? BOUND : v);
    }

    private static float clamp01(float v) {
        return v < 0f ? 0f : (v > 1f ? 1f : v);
    }
}
