package labkit.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import org.opencv.core.CvType;
import org.opencv.core.Mat;

/**
 * Copies between H×W×C uint8 NDArrays and OpenCV {@code Mat}s (channel order untouched) and loads OpenCV's
 * natives once. Package-private glue for the data classes until {@code labkit.image.Mats}/{@code OpenCv} are on
 * main; then these calls move there.
 */
final class CvArrays {
    private static volatile boolean loaded;

    private CvArrays() {}

    static void loadOpenCv() {
        if (!loaded) {
            synchronized (CvArrays.class) {
                if (!loaded) {
                    nu.pattern.OpenCV.loadLocally();
                    loaded = true;
                }
            }
        }
    }

    /** H×W×C (or H×W) uint8 array → Mat CV_8UC(C). */
    static Mat toMat(NDArray a) {
        loadOpenCv();
        Shape s = a.getShape();
        int c = s.dimension() == 3 ? (int) s.get(2) : 1;
        NDArray u8 = a.getDataType() == DataType.UINT8 ? a : a.clip(0, 255).round().toType(DataType.UINT8, false);
        Mat m = new Mat((int) s.get(0), (int) s.get(1), CvType.CV_8UC(c));
        m.put(0, 0, u8.toByteArray());
        return m;
    }

    /** Mat CV_8UC(C) → H×W×C uint8 array (H×W×1 kept as H×W×1 only when {@code keep3d}). */
    static NDArray toArray(Mat m, NDManager manager, boolean keep3d) {
        int c = m.channels();
        byte[] b = new byte[(int) (m.total() * c)];
        m.get(0, 0, b);
        Shape s = c == 1 && !keep3d ? new Shape(m.rows(), m.cols()) : new Shape(m.rows(), m.cols(), c);
        return manager.create(ByteBuffer.wrap(b), s, DataType.UINT8);
    }
}
