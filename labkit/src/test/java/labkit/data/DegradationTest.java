package labkit.data;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import labkit.image.Bicubic;
import org.junit.jupiter.api.Test;

class DegradationTest {

    private static NDArray smoothImage(NDManager m, int h, int w) {
        NDArray y = m.arange(h).reshape(h, 1, 1).toType(DataType.FLOAT32, false);
        NDArray x = m.arange(w).reshape(1, w, 1).toType(DataType.FLOAT32, false);
        NDArray c = m.create(new float[] {1f, 0.5f, 0.25f}).reshape(1, 1, 3);
        return x.mul(3f).add(y.mul(2f)).mul(c).add(20f).clip(0, 255).toType(DataType.UINT8, false);
    }

    private static float maxAbs(NDArray a, NDArray b) {
        return a.toType(DataType.FLOAT32, false).sub(b.toType(DataType.FLOAT32, false)).abs().max().getFloat();
    }

    @Test
    void eachStepDoesWhatItSays() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray img = smoothImage(m, 30, 36);
            assertEquals(0f, maxAbs(img, Degradation.gaussianNoise(img, 0, new Random(1))));
            assertEquals(0f, maxAbs(img, Degradation.gaussianBlur(img, 0)));
            assertTrue(maxAbs(img, Degradation.jpeg(img, 100)) <= 3f, "JPEG q100 is near-identity");
            assertTrue(maxAbs(img, Degradation.jpeg(img, 10)) > maxAbs(img, Degradation.jpeg(img, 100)));
            NDArray noisy = Degradation.gaussianNoise(img, 10, new Random(1));
            float sd = noisy.toType(DataType.FLOAT32, false).sub(img.toType(DataType.FLOAT32, false)).pow(2).mean()
                    .sqrt().getFloat();
            assertEquals(10f, sd, 1.5f, "noise σ");
            assertEquals(0f, maxAbs(noisy, Degradation.gaussianNoise(img, 10, new Random(1))), "seeded noise");
            assertEquals(new Shape(10, 12, 3), Bicubic.downsample(img, 3).getShape());
            assertEquals(new Shape(30, 36, 3), Bicubic.upsample(Bicubic.downsample(img, 3), 3).getShape());
            NDArray blurred = Degradation.gaussianBlur(smoothCheck(m), 2);
            assertTrue(maxAbs(blurred, smoothCheck(m)) > 20, "blur smooths a checkerboard");
        }
    }

    private static NDArray smoothCheck(NDManager m) {
        byte[] b = new byte[24 * 24 * 3];
        for (int i = 0; i < 24 * 24; i++) {
            int v = ((i / 24) / 2 + (i % 24) / 2) % 2 == 0 ? 0 : (byte) 255;
            b[3 * i] = b[3 * i + 1] = b[3 * i + 2] = (byte) v;
        }
        return m.create(java.nio.ByteBuffer.wrap(b), new Shape(24, 24, 3), DataType.UINT8);
    }

    @Test
    void pipelineIsSeededAndChecksSize() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray img = smoothImage(m, 30, 36);
            Degradation d = Degradation.builder().blurSigma(0.5, 1.5).noiseSigma(1, 5).jpegQuality(50, 90).scale(3).build();
            NDArray a = d.apply(img, new Random(5));
            NDArray b = d.apply(img, new Random(5));
            assertEquals(new Shape(10, 12, 3), a.getShape());
            assertEquals(0f, maxAbs(a, b));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> d.apply(smoothImage(m, 31, 36), new Random(1)));
            assertTrue(e.getMessage().contains("multiples of the scale"), e.getMessage());
            NDArray bic = Degradation.bicubicOnly(3).apply(img, new Random(1));
            assertEquals(0f, maxAbs(bic, Bicubic.downsample(img, 3)));
        }
    }
}
