package labkit.augment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.nio.ByteBuffer;

/**
 * One image as a plain {@code float[]} plus its shape, layout and the dtype it came in as. Transforms work on
 * this so that a {@link Compose} pipeline crosses the JNI boundary once per image instead of once per tensor
 * op (at 32×32 the per-op overhead dominates). For {@code uint8} images the values stay integers in [0, 255]
 * after every step, as they would in torchvision's uint8 tensors.
 */
final class Pixels {
    /** How the three dimensions are ordered. */
    enum Layout { HWC, CHW }

    final float[] data;
    final int height;
    final int width;
    final int channels;
    final Layout layout;
    final DataType dtype;

    Pixels(float[] data, int height, int width, int channels, Layout layout, DataType dtype) {
        this.data = data;
        this.height = height;
        this.width = width;
        this.channels = channels;
        this.layout = layout;
        this.dtype = dtype;
    }

    boolean isUint8() {
        return dtype == DataType.UINT8;
    }

    /** Same shape, layout and dtype, new values. */
    Pixels with(float[] newData) {
        return new Pixels(newData, height, width, channels, layout, dtype);
    }

    /** Reads {@code x}, checking it is a rank-3 {@code uint8}/{@code float32} array in {@code layout}. */
    static Pixels read(NDArray x, Layout layout, String who) {
        if (x == null) {
            throw new IllegalArgumentException(who + ": the input array is null");
        }
        Shape s = x.getShape();
        DataType t = x.getDataType();
        if (layout == Layout.HWC) {
            if (s.dimension() != 3 || (s.get(2) != 1 && s.get(2) != 3)) {
                String hint = s.dimension() == 3 && (s.get(0) == 1 || s.get(0) == 3)
                        ? "; this looks like a C×H×W tensor: put image transforms before ToTensor"
                        : s.dimension() == 4 ? "; transforms take one image: apply them per sample, not per batch"
                        : s.dimension() == 2 ? "; add a channel axis: x.expandDims(2)" : "";
                throw new IllegalArgumentException(who + ": expected an H×W×C image with C = 1 or 3, got shape " + s + hint);
            }
        } else if (s.dimension() != 3 || (s.get(0) != 1 && s.get(0) != 3)) {
            String hint = s.dimension() == 3 && (s.get(2) == 1 || s.get(2) == 3)
                    ? "; this looks like an H×W×C image: apply ToTensor first" : "";
            throw new IllegalArgumentException(who + ": expected a C×H×W tensor with C = 1 or 3, got shape " + s + hint);
        }
        int d0 = (int) s.get(0);
        int d1 = (int) s.get(1);
        int d2 = (int) s.get(2);
        float[] data;
        if (t == DataType.UINT8) {
            byte[] b = x.toByteArray();
            data = new float[b.length];
            for (int i = 0; i < b.length; i++) {
                data[i] = b[i] & 0xFF;
            }
        } else if (t == DataType.FLOAT32) {
            data = x.toFloatArray();
        } else {
            throw new IllegalArgumentException(who + ": expected a uint8 or float32 array, got " + t
                    + "; convert with x.toType(DataType.FLOAT32, false)");
        }
        return layout == Layout.HWC
                ? new Pixels(data, d0, d1, d2, layout, t)
                : new Pixels(data, d1, d2, d0, layout, t);
    }

    /** A new array with these values, in this layout and dtype, attached to {@code manager}. */
    NDArray toNDArray(NDManager manager) {
        Shape shape = layout == Layout.HWC ? new Shape(height, width, channels) : new Shape(channels, height, width);
        if (isUint8()) {
            byte[] b = new byte[data.length];
            for (int i = 0; i < b.length; i++) {
                b[i] = (byte) (int) data[i];
            }
            return manager.create(ByteBuffer.wrap(b), shape, DataType.UINT8);
        }
        return manager.create(data, shape);
    }

    /** Checks this image is in {@code expected} layout (only an issue inside a {@link Compose}). */
    Pixels require(Layout expected, String who) {
        if (layout != expected) {
            throw new IllegalArgumentException(who + (expected == Layout.HWC
                    ? ": expected an H×W×C image but got a C×H×W tensor; put image transforms before ToTensor"
                    : ": expected a C×H×W tensor but got an H×W×C image; apply ToTensor first"));
        }
        return this;
    }

    /** Rounds to the nearest integer (half to even, like {@code torch.round}) and clamps, for uint8 images. */
    void roundIfUint8() {
        if (isUint8()) {
            for (int i = 0; i < data.length; i++) {
                data[i] = Math.max(0f, Math.min(255f, (float) Math.rint(data[i])));
            }
        }
    }
}
