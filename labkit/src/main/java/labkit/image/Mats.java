package labkit.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.nio.ByteBuffer;
import org.opencv.core.CvType;
import org.opencv.core.Mat;

/**
 * OpenCV {@link Mat}s to and from H×W×C {@link NDArray}s and {@link BufferedImage}s. Mats use OpenCV's
 * <b>BGR</b> channel order, arrays and images use <b>RGB</b>: every method here swaps the order explicitly.
 * Supported: 1 or 3 channels, 8-bit ({@code CV_8U} ↔ {@code uint8}) and float ({@code CV_32F} ↔ {@code float32}).
 * Mats returned here belong to the caller, who must {@link Mat#release()} them.
 */
public final class Mats {
    private Mats() {}

    /** Copies an H×W×C (C = 1 or 3) {@code uint8} or {@code float32} RGB array into a new BGR Mat. */
    public static Mat toMat(NDArray hwc) {
        OpenCv.load();
        require(hwc != null, "hwc is null");
        Shape s = hwc.getShape();
        require(s.dimension() == 3 && (s.get(2) == 1 || s.get(2) == 3),
                "hwc: expected an H×W×C array with C = 1 or 3, got shape " + s);
        int h = (int) s.get(0);
        int w = (int) s.get(1);
        int c = (int) s.get(2);
        DataType t = hwc.getDataType();
        if (t == DataType.UINT8) {
            byte[] b = hwc.toByteArray();
            if (c == 3) {
                swapRedBlue(b);
            }
            Mat m = new Mat(h, w, CvType.CV_8UC(c));
            m.put(0, 0, b);
            return m;
        }
        require(t == DataType.FLOAT32, "hwc: expected uint8 or float32, got " + t
                + "; convert with x.toType(DataType.FLOAT32, false)");
        float[] f = hwc.toFloatArray();
        if (c == 3) {
            for (int i = 0; i < f.length; i += 3) {
                float r = f[i];
                f[i] = f[i + 2];
                f[i + 2] = r;
            }
        }
        Mat m = new Mat(h, w, CvType.CV_32FC(c));
        m.put(0, 0, f);
        return m;
    }

    /** Copies a BGR Mat (1 or 3 channels, {@code CV_8U} or {@code CV_32F}) into a new H×W×C RGB array. */
    public static NDArray toNDArray(Mat mat, NDManager manager) {
        OpenCv.load();
        require(mat != null && !mat.empty(), "mat is null or empty");
        require(manager != null, "manager is null");
        int c = mat.channels();
        int depth = mat.depth();
        require(c == 1 || c == 3, "mat: expected 1 or 3 channels, got " + c
                + " (for BGRA use Imgproc.cvtColor(mat, mat, Imgproc.COLOR_BGRA2BGR) first)");
        Mat src = mat.isContinuous() ? mat : mat.clone();
        try {
            Shape shape = new Shape(src.rows(), src.cols(), c);
            if (depth == CvType.CV_8U) {
                byte[] b = new byte[(int) shape.size()];
                src.get(0, 0, b);
                if (c == 3) {
                    swapRedBlue(b);
                }
                return manager.create(ByteBuffer.wrap(b), shape, DataType.UINT8);
            }
            require(depth == CvType.CV_32F, "mat: expected depth CV_8U or CV_32F, got " + CvType.typeToString(mat.type())
                    + "; convert with mat.convertTo(dst, CvType.CV_32F)");
            float[] f = new float[(int) shape.size()];
            src.get(0, 0, f);
            if (c == 3) {
                for (int i = 0; i < f.length; i += 3) {
                    float r = f[i];
                    f[i] = f[i + 2];
                    f[i + 2] = r;
                }
            }
            return manager.create(f, shape);
        } finally {
            if (src != mat) {
                src.release();
            }
        }
    }

    /** Copies an image into a new 8-bit BGR Mat ({@code CV_8UC3}; alpha dropped, grey copied to 3 channels). */
    public static Mat toMat(BufferedImage image) {
        OpenCv.load();
        require(image != null, "image is null");
        int h = image.getHeight();
        int w = image.getWidth();
        byte[] bgr = new byte[h * w * 3];
        if (image.getType() == BufferedImage.TYPE_BYTE_GRAY) {
            int[] grey = image.getRaster().getSamples(0, 0, w, h, 0, (int[]) null);
            for (int i = 0; i < grey.length; i++) {
                bgr[3 * i] = bgr[3 * i + 1] = bgr[3 * i + 2] = (byte) grey[i];
            }
        } else {
            int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < argb.length; i++) {
                int p = argb[i];
                bgr[3 * i] = (byte) p;
                bgr[3 * i + 1] = (byte) (p >> 8);
                bgr[3 * i + 2] = (byte) (p >> 16);
            }
        }
        Mat m = new Mat(h, w, CvType.CV_8UC3);
        m.put(0, 0, bgr);
        return m;
    }

    /** Copies an 8-bit BGR ({@code CV_8UC3}) or grey ({@code CV_8UC1}) Mat into a new image. */
    public static BufferedImage toBufferedImage(Mat mat) {
        OpenCv.load();
        require(mat != null && !mat.empty(), "mat is null or empty");
        require(mat.type() == CvType.CV_8UC3 || mat.type() == CvType.CV_8UC1,
                "mat: expected CV_8UC3 (BGR) or CV_8UC1, got " + CvType.typeToString(mat.type())
                        + "; convert with mat.convertTo(dst, CvType.CV_8U)");
        int type = mat.channels() == 3 ? BufferedImage.TYPE_3BYTE_BGR : BufferedImage.TYPE_BYTE_GRAY;
        BufferedImage img = new BufferedImage(mat.cols(), mat.rows(), type);
        byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        Mat src = mat.isContinuous() ? mat : mat.clone();
        try {
            src.get(0, 0, dst); // TYPE_3BYTE_BGR stores B, G, R per pixel: the same order as the Mat
        } finally {
            if (src != mat) {
                src.release();
            }
        }
        return img;
    }

    private static void swapRedBlue(byte[] b) {
        for (int i = 0; i < b.length; i += 3) {
            byte r = b[i];
            b[i] = b[i + 2];
            b[i + 2] = r;
        }
    }

    /**
     * An H×W×C or H×W (grey) image → Mat, through {@link #toMat(NDArray)} (which wants H×W×C, C = 1 or 3): uint8
     * and float32 keep their type, other types become float32.
     */
    public static Mat imageToMat(NDArray img) {
        Shape s = img.getShape();
        if (s.dimension() != 2 && s.dimension() != 3) {
            throw new IllegalArgumentException("expected an H×W×C or H×W image, got shape " + s);
        }
        NDArray hwc = s.dimension() == 2 ? img.reshape(s.get(0), s.get(1), 1) : img;
        DataType t = hwc.getDataType();
        return toMat(t == DataType.UINT8 || t == DataType.FLOAT32 ? hwc : hwc.toType(DataType.FLOAT32, false));
    }

    /** Mat → array in {@code like}'s manager, H×W when {@code like} is H×W (grey), else H×W×C. */
    public static NDArray toImageLike(Mat m, NDArray like) {
        NDArray a = toNDArray(m, like.getManager());
        return like.getShape().dimension() == 2 ? a.reshape(a.getShape().get(0), a.getShape().get(1)) : a;
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
