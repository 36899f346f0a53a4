package labkit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import labkit.image.Images;
import labkit.image.OpenCv;
import org.opencv.core.CvType;
import org.opencv.core.Mat;
import org.opencv.core.Size;
import org.opencv.imgproc.Imgproc;

/**
 * The preprocessing pretrained ImageNet weights expect, as torchvision's {@code ImageClassification} transform:
 * resize the shorter side to {@code resizeSize}, centre-crop {@code cropSize}², scale to [0, 1] and normalize with
 * the ImageNet mean/std. Resizing uses OpenCV: area averaging when shrinking (close to PIL's antialiased resize,
 * which torchvision applies to PIL images) and bilinear or bicubic when enlarging.
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
        OpenCv.load();
        Mat src = new Mat(h, w, CvType.CV_8UC3);
        Mat dst = new Mat();
        try {
            src.put(0, 0, hwc.toByteArray());
            boolean shrink = nh < h;
            int flag = shrink ? Imgproc.INTER_AREA : bicubic ? Imgproc.INTER_CUBIC : Imgproc.INTER_LINEAR;
            Imgproc.resize(src, dst, new Size(nw, nh), 0, 0, flag);
            byte[] px = new byte[nh * nw * 3];
            dst.get(0, 0, px);
            // torchvision's centre crop: top = int(round((h - crop) / 2)) with Python's round (half to even)
            int top = (int) Math.rint((nh - cropSize) / 2.0);
            int left = (int) Math.rint((nw - cropSize) / 2.0);
            float[] out = new float[3 * cropSize * cropSize];
            int plane = cropSize * cropSize;
            for (int y = 0; y < cropSize; y++) {
                for (int x = 0; x < cropSize; x++) {
                    int p = ((top + y) * nw + left + x) * 3;
                    for (int c = 0; c < 3; c++) {
                        out[c * plane + y * cropSize + x] = ((px[p + c] & 0xff) / 255f - mean[c]) / std[c];
                    }
                }
            }
            return manager.create(out, new Shape(3, cropSize, cropSize));
        } finally {
            src.release();
            dst.release();
        }
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
