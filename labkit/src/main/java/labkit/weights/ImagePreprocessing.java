package labkit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import labkit.image.Images;

/**
 * The preprocessing pretrained ImageNet weights expect, as torchvision's {@code ImageClassification} transform:
 * resize the shorter side to {@code resizeSize}, centre-crop {@code cropSize}², scale to [0, 1] and normalize with
 * the ImageNet mean/std. Resizing is Pillow's, integer for integer ({@link PilResize}: antialiased bilinear or
 * bicubic), because torchvision resizes PIL images with it; so for an 8-bit RGB picture the tensor equals
 * {@code weights.transforms()(pil_image)} of torchvision 0.14 bit for bit (checked by Top5Test on two pictures,
 * one enlarged and one shrunk). torchvision's tensor path ({@code read_image} then the same transforms) resizes
 * without antialiasing and differs from this when shrinking.
 */
public record ImagePreprocessing(int resizeSize, int cropSize, boolean bicubic, float[] mean, float[] std) {
    /** ImageNet channel means (RGB). */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    /** ImageNet channel standard deviations (RGB). */
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** torchvision's default: resize 256, crop 224, bilinear, ImageNet mean/std. */
    public static ImagePreprocessing imagenet(int resizeSize, int cropSize, boolean bicubic) {
        return new ImagePreprocessing(resizeSize, cropSize, bicubic, IMAGENET_MEAN, IMAGENET_STD);
    }

    /** Preprocesses an H×W×3 {@code uint8} RGB image into a 3×crop×crop {@code float32} tensor. */
    public NDArray apply(NDArray hwc, NDManager manager) {
        byte[] px = cropBytes(hwc);
        // ToTensor then Normalize, in float32 as torchvision: (v / 255 - mean) / std
        float[] out = new float[3 * cropSize * cropSize];
        int plane = cropSize * cropSize;
        for (int i = 0; i < plane; i++) {
            for (int c = 0; c < 3; c++) {
                out[c * plane + i] = ((px[3 * i + c] & 0xff) / 255f - mean[c]) / std[c];
            }
        }
        return manager.create(out, new Shape(3, cropSize, cropSize));
    }

    /**
     * The resized and centre-cropped picture before {@code ToTensor}: a crop×crop×3 {@code uint8} RGB array,
     * equal to {@code CenterCrop(crop)(Resize(resize, interpolation)(pil_image))} of torchvision 0.14.
     */
    public NDArray crop(NDArray hwc, NDManager manager) {
        return manager.create(java.nio.ByteBuffer.wrap(cropBytes(hwc)), new Shape(cropSize, cropSize, 3),
                DataType.UINT8);
    }

    private byte[] cropBytes(NDArray hwc) {
        Shape s = hwc.getShape();
        if (s.dimension() != 3 || s.get(2) != 3 || hwc.getDataType() != DataType.UINT8) {
            throw new IllegalArgumentException("expected an H×W×3 uint8 RGB image (Images.read gives one), got "
                    + s + " " + hwc.getDataType());
        }
        int h = (int) s.get(0);
        int w = (int) s.get(1);
        // torchvision: the shorter side becomes resizeSize, the longer int(resizeSize * long / short)
        int nh;
        int nw;
        if (h <= w) {
            nh = resizeSize;
            nw = (int) ((long) resizeSize * w / h);
        } else {
            nw = resizeSize;
            nh = (int) ((long) resizeSize * h / w);
        }
        if (nh < cropSize || nw < cropSize) {
            throw new IllegalArgumentException("resize " + resizeSize + " is smaller than the crop " + cropSize);
        }
        byte[] px = PilResize.resize(hwc.toByteArray(), h, w, nh, nw, bicubic);
        // torchvision's centre crop: top = int(round((h - crop) / 2)) with Python's round (half to even)
        int top = (int) Math.rint((nh - cropSize) / 2.0);
        int left = (int) Math.rint((nw - cropSize) / 2.0);
        byte[] out = new byte[cropSize * cropSize * 3];
        for (int y = 0; y < cropSize; y++) {
            System.arraycopy(px, ((top + y) * nw + left) * 3, out, y * cropSize * 3, cropSize * 3);
        }
        return out;
    }

    /** Preprocesses a picture (any size) into a 3×crop×crop tensor. */
    public NDArray apply(BufferedImage image, NDManager manager) {
        try (NDManager sub = manager.newSubManager()) {
            NDArray out = apply(Images.fromBufferedImage(image, sub), sub);
            out.attach(manager);
            return out;
        }
    }
}
