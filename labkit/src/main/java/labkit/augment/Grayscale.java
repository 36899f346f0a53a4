package labkit.augment;

/**
 * Converts an H×W×C image to grey with {@code numOutputChannels} equal channels, like torchvision's
 * {@code Grayscale(num_output_channels)}: RGB uses torchvision's luma weights (0.2989 R + 0.587 G + 0.114 B,
 * truncated for uint8 as torchvision's {@code .to(uint8)} does), a one-channel
 * image is copied. With 3 output channels a grey image (Fashion-MNIST) fits the RGB pipelines of Task 1.
 */
public final class Grayscale implements PixelTransform {
    private final int numOutputChannels;

    /** {@code numOutputChannels} is 1 or 3. */
    public Grayscale(int numOutputChannels) {
        if (numOutputChannels != 1 && numOutputChannels != 3) {
            throw new IllegalArgumentException("Grayscale: numOutputChannels must be 1 or 3, got " + numOutputChannels);
        }
        this.numOutputChannels = numOutputChannels;
    }

    @Override
    public Pixels apply(Pixels px) {
        px.require(Pixels.Layout.HWC, "Grayscale");
        int n = px.height * px.width;
        int c = px.channels;
        int oc = numOutputChannels;
        float[] out = new float[n * oc];
        for (int i = 0; i < n; i++) {
            float g;
            if (c == 1) {
                g = px.data[i];
            } else {
                g = 0.2989f * px.data[i * 3] + 0.587f * px.data[i * 3 + 1] + 0.114f * px.data[i * 3 + 2];
                if (px.isUint8()) {
                    g = Math.min(255f, (float) Math.floor(g));
                }
            }
            for (int k = 0; k < oc; k++) {
                out[i * oc + k] = g;
            }
        }
        return new Pixels(out, px.height, px.width, oc, Pixels.Layout.HWC, px.dtype);
    }

    @Override
    public String toString() {
        return "Grayscale(num_output_channels=" + numOutputChannels + ")";
    }
}
