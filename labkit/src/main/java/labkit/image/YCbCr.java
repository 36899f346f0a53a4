package labkit.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;

/**
 * RGB ↔ YCbCr, ITU-R BT.601 full range as in JPEG, PIL's {@code convert("YCbCr")} and OpenCV's
 * {@code COLOR_RGB2YCrCb} (which orders the channels Y, Cr, Cb; here they are always Y, Cb, Cr):
 * {@code Y = 0.299 R + 0.587 G + 0.114 B}, {@code Cb = c − 0.168736 R − 0.331264 G + 0.5 B},
 * {@code Cr = c + 0.5 R − 0.418688 G − 0.081312 B}, with the chroma offset c = 128 on 0–255 data and 0.5 on
 * 0–1 data. Works on any layout: name the channel axis (−1 for H×W×3 images, 1 for N×3×H×W batches, 0 for
 * 3×H×W tensors). Outputs are float32 (not rounded).
 */
public final class YCbCr {
    private YCbCr() {}

    /** The value range of the data, which fixes the chroma offset. */
    public enum Range {
        /** 0–255 data (uint8 images); chroma offset 128. */
        UINT8(128f),
        /** 0–1 data (ToTensor output); chroma offset 0.5. */
        UNIT(0.5f);

        final float offset;

        Range(float offset) {
            this.offset = offset;
        }
    }

    /** RGB → YCbCr along {@code axis} (channels R, G, B in; Y, Cb, Cr out). */
    public static NDArray fromRgb(NDArray rgb, int axis, Range range) {
        NDList c = split(rgb, axis);
        NDArray r = c.get(0);
        NDArray g = c.get(1);
        NDArray b = c.get(2);
        NDArray y = r.mul(0.299f).add(g.mul(0.587f)).add(b.mul(0.114f));
        NDArray cb = b.mul(0.5f).sub(r.mul(0.168736f)).sub(g.mul(0.331264f)).add(range.offset);
        NDArray cr = r.mul(0.5f).sub(g.mul(0.418688f)).sub(b.mul(0.081312f)).add(range.offset);
        return NDArrays.concat(new NDList(y, cb, cr), axis);
    }

    /** YCbCr → RGB along {@code axis} (the inverse of {@link #fromRgb}; not clipped). */
    public static NDArray toRgb(NDArray ycbcr, int axis, Range range) {
        NDList c = split(ycbcr, axis);
        NDArray y = c.get(0);
        NDArray cb = c.get(1).sub(range.offset);
        NDArray cr = c.get(2).sub(range.offset);
        NDArray r = y.add(cr.mul(1.402f));
        NDArray g = y.sub(cb.mul(0.344136f)).sub(cr.mul(0.714136f));
        NDArray b = y.add(cb.mul(1.772f));
        return NDArrays.concat(new NDList(r, g, b), axis);
    }

    /** The luma channel only (size 1 along {@code axis}): the "Y-only view" super-resolution nets work on. */
    public static NDArray y(NDArray rgb, int axis) {
        NDList c = split(rgb, axis);
        return c.get(0).mul(0.299f).add(c.get(1).mul(0.587f)).add(c.get(2).mul(0.114f));
    }

    private static NDList split(NDArray x, int axis) {
        int ax = axis < 0 ? x.getShape().dimension() + axis : axis;
        if (ax < 0 || ax >= x.getShape().dimension() || x.getShape().get(ax) != 3) {
            throw new IllegalArgumentException("YCbCr: expected 3 channels on axis " + axis + ", got shape "
                    + x.getShape() + " (use axis -1 for H×W×3 images, 1 for N×3×H×W batches)");
        }
        NDArray f = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        return f.split(3, ax);
    }
}
