package labkit.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Transform;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ComposeTest {
    static final float[] MEAN = {0.4914f, 0.4822f, 0.4465f};
    static final float[] STD = {0.247f, 0.243f, 0.261f};

    static Transform[] pipeline() {
        return new Transform[] {new ColorJitter(0.2, 0.2, 0.2, 0.05), new RandomHorizontalFlip(0.5),
            new RandomRotation(15), new RandomPerspective(0.2, 0.5), new ToTensor(), new Normalize(MEAN, STD)};
    }

    @Test
    void toTensorAndNormalizeMatchDjl() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = GeometryTest.randomUint8(m, 4, 5, 3);
            NDArray t = new ToTensor().transform(x);
            assertEquals(new Shape(3, 4, 5), t.getShape());
            assertEquals(DataType.FLOAT32, t.getDataType());
            assertEquals(x.getUint8(1, 2, 0) / 255f, t.getFloat(0, 1, 2));
            assertArrayEquals(new ai.djl.modality.cv.transform.ToTensor().transform(x).toFloatArray(), t.toFloatArray());
            NDArray n = new Normalize(MEAN, STD).transform(t);
            assertEquals((t.getFloat(2, 3, 4) - MEAN[2]) / STD[2], n.getFloat(2, 3, 4));
            assertArrayEquals(new ai.djl.modality.cv.transform.Normalize(MEAN, STD).transform(t).toFloatArray(),
                    n.toFloatArray(), 1e-6f);
            NDArray fromFloat = new ToTensor().transform(x.toType(DataType.FLOAT32, false));
            assertArrayEquals(t.toFloatArray(), fromFloat.toFloatArray());
        }
    }

    @Test
    void normalizeChecksItsInput() {
        ColorJitterTest.assertMessage(() -> new Normalize(new float[] {0.5f}, new float[] {0f}), "std");
        ColorJitterTest.assertMessage(() -> new Normalize(new float[] {0.5f, 0.5f}, new float[] {1f}), "mean and std");
        try (NDManager m = NDManager.newBaseManager()) {
            ColorJitterTest.assertMessage(() -> new Normalize(MEAN, STD).transform(m.zeros(new Shape(8, 8, 3))),
                    "apply ToTensor first");
            ColorJitterTest.assertMessage(() -> new Normalize(MEAN, STD).transform(m.zeros(new Shape(1, 8, 8))),
                    "1 channels");
            ColorJitterTest.assertMessage(() -> new Compose(new ToTensor(), new RandomHorizontalFlip(1))
                    .transform(m.zeros(new Shape(8, 8, 3))), "before ToTensor");
        }
    }

    @Test
    void oneSeedDrivesThePipeline() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = GeometryTest.randomUint8(m, 32, 32, 3);
            Compose a = Compose.seeded(42, pipeline());
            Compose b = Compose.seeded(42, pipeline());
            Compose c = Compose.seeded(43, pipeline());
            boolean anyDifferent = false;
            for (int i = 0; i < 5; i++) {
                float[] ya = a.transform(x).toFloatArray();
                assertArrayEquals(ya, b.transform(x).toFloatArray(), "same seed, image " + i);
                anyDifferent |= !Arrays.equals(ya, c.transform(x).toFloatArray());
            }
            assertTrue(anyDifferent, "a different seed gives different outputs");
            a.reseed(42);
            Compose fresh = Compose.seeded(42, pipeline());
            assertArrayEquals(fresh.transform(x).toFloatArray(), a.transform(x).toFloatArray(), "reseed restarts");
        }
    }

    @Test
    void fusedPipelineEqualsStepByStep() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = GeometryTest.randomUint8(m, 16, 12, 3);
            Compose fused = Compose.seeded(7, pipeline());
            Compose reference = Compose.seeded(7, pipeline());
            NDArray y = x;
            for (Transform t : reference.transforms()) {
                y = t.transform(y); // each step on its own: NDArray in, NDArray out
            }
            assertArrayEquals(y.toFloatArray(), fused.transform(x).toFloatArray());
            // a foreign DJL transform in the middle is run on an NDArray
            Compose mixed = new Compose(new RandomHorizontalFlip(1), new ai.djl.modality.cv.transform.ToTensor(),
                    new Normalize(MEAN, STD));
            NDArray expect = new Normalize(MEAN, STD).transform(new ToTensor().transform(x.flip(1)));
            assertArrayEquals(expect.toFloatArray(), mixed.transform(x).toFloatArray(), 1e-6f);
            assertFalse(new Compose().transform(x) == x, "an empty pipeline returns a copy");
        }
    }

    @Test
    void memoryStaysFlatInASubManager() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = GeometryTest.randomUint8(m, 32, 32, 3);
            Compose c = Compose.seeded(1, pipeline());
            int before = m.getManagedArrays().size();
            for (int i = 0; i < 50; i++) {
                try (NDManager step = m.newSubManager()) {
                    NDArray input = x.duplicate();
                    input.attach(step);
                    NDArray y = c.transform(input);
                    assertEquals(step, y.getManager(), "output lives in the input's manager");
                }
            }
            assertEquals(before, m.getManagedArrays().size());
        }
    }
}
