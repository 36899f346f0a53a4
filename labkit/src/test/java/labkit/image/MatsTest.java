package labkit.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;
import org.opencv.core.CvType;
import org.opencv.core.Mat;

class MatsTest {

    @Test
    void loadIsIdempotent() {
        OpenCv.load();
        OpenCv.load();
        assertEquals("4.9.0", OpenCv.version());
    }

    @Test
    void ndarrayMatRoundTripIsExactAndBgr() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomInteger(0, 256, new Shape(5, 6, 3), DataType.INT32).toType(DataType.UINT8, false);
            Mat mat = Mats.toMat(x);
            try {
                assertEquals(CvType.CV_8UC3, mat.type());
                double[] px = mat.get(2, 4);
                assertEquals(x.getUint8(2, 4, 2), (int) px[0], "blue first in the Mat");
                assertEquals(x.getUint8(2, 4, 0), (int) px[2], "red last in the Mat");
                NDArray back = Mats.toNDArray(mat, m);
                assertEquals(DataType.UINT8, back.getDataType());
                assertArrayEquals(x.toByteArray(), back.toByteArray());
            } finally {
                mat.release();
            }
            NDArray f = m.randomUniform(0f, 255f, new Shape(3, 4, 1));
            Mat fm = Mats.toMat(f);
            try {
                assertEquals(CvType.CV_32FC1, fm.type());
                assertArrayEquals(f.toFloatArray(), Mats.toNDArray(fm, m).toFloatArray());
            } finally {
                fm.release();
            }
        }
    }

    @Test
    void bufferedImageMatRoundTripIsExact() {
        BufferedImage img = ImagesTest.randomImage(7, 3, 9);
        Mat mat = Mats.toMat(img);
        try {
            double[] px = mat.get(1, 2);
            int p = img.getRGB(2, 1);
            assertEquals(p & 0xFF, (int) px[0]);
            assertArrayEquals(ImagesTest.pixels(img), ImagesTest.pixels(Mats.toBufferedImage(mat)));
            Mat sub = mat.submat(1, 3, 2, 5); // not continuous
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = Mats.toNDArray(sub, m);
                assertEquals(new Shape(2, 3, 3), x.getShape());
                assertEquals((p >> 16) & 0xFF, x.getUint8(0, 0, 0));
            } finally {
                sub.release();
            }
        } finally {
            mat.release();
        }
    }

    @Test
    void badMatsAreRejected() {
        Mat four = new Mat(2, 2, CvType.CV_8UC4);
        try (NDManager m = NDManager.newBaseManager()) {
            assertThrows(IllegalArgumentException.class, () -> Mats.toNDArray(four, m));
            assertThrows(IllegalArgumentException.class, () -> Mats.toMat(m.zeros(new Shape(2, 2, 4))));
        } finally {
            four.release();
        }
    }
}
