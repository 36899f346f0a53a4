package labkit.augment;

import ai.djl.ndarray.types.DataType;

/**
 * Turns an H×W×C image ({@code uint8}, or {@code float32} valued in [0, 255]) into a C×H×W {@code float32}
 * tensor in [0, 1], like torchvision's {@code ToTensor} (and DJL's {@code ToTensor}, which gives the same
 * numbers). Unlike torchvision, float input is divided by 255 too: in labkit an image is always in [0, 255].
 */
public final class ToTensor implements PixelTransform {

    @Override
    public Pixels apply(Pixels px) {
        px.require(Pixels.Layout.HWC, "ToTensor");
        int plane = px.height * px.width;
        int c = px.channels;
        float[] d = px.data;
        float[] out = new float[d.length];
        for (int i = 0; i < plane; i++) {
            for (int ch = 0; ch < c; ch++) {
                out[ch * plane + i] = d[i * c + ch] / 255f;
            }
        }
        return new Pixels(out, px.height, px.width, c, Pixels.Layout.CHW, DataType.FLOAT32);
    }

    @Override
    public String toString() {
        return "ToTensor()";
    }
}
