package labkit.augment;

import java.util.Arrays;

/**
 * Normalizes a C×H×W {@code float32} tensor channel by channel, {@code (x - mean[c]) / std[c]}, like
 * torchvision's {@code Normalize(mean, std)} (same float arithmetic, so the same bits).
 * {@link labkit.image.Images#fromTensor(ai.djl.ndarray.NDArray, float[], float[])} undoes it for display.
 */
public final class Normalize implements PixelTransform {
    private final float[] mean;
    private final float[] std;

    /** One mean and one standard deviation per channel (e.g. 3 of each for RGB); every std must be > 0. */
    public Normalize(float[] mean, float[] std) {
        if (mean == null || std == null || mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException("mean and std must have one value per channel each (e.g. 3 for RGB), "
                    + "got " + Arrays.toString(mean) + " and " + Arrays.toString(std));
        }
        for (float s : std) {
            if (!(s > 0) || Float.isInfinite(s)) {
                throw new IllegalArgumentException("std must be finite and > 0 in every channel (it divides), got "
                        + Arrays.toString(std));
            }
        }
        this.mean = mean.clone();
        this.std = std.clone();
    }

    @Override
    public Pixels.Layout inputLayout() {
        return Pixels.Layout.CHW;
    }

    @Override
    public Pixels apply(Pixels px) {
        px.require(Pixels.Layout.CHW, "Normalize");
        if (px.isUint8()) {
            throw new IllegalArgumentException("Normalize: expected a float32 tensor, got uint8; apply ToTensor first");
        }
        if (px.channels != mean.length) {
            throw new IllegalArgumentException("Normalize: the tensor has " + px.channels + " channels but mean/std have "
                    + mean.length + " values; give one per channel");
        }
        int plane = px.height * px.width;
        float[] d = px.data;
        float[] out = new float[d.length];
        for (int ch = 0; ch < px.channels; ch++) {
            float m = mean[ch];
            float s = std[ch];
            for (int i = ch * plane, end = i + plane; i < end; i++) {
                out[i] = (d[i] - m) / s;
            }
        }
        return px.with(out);
    }

    @Override
    public String toString() {
        return "Normalize(mean=" + Arrays.toString(mean) + ", std=" + Arrays.toString(std) + ")";
    }
}
