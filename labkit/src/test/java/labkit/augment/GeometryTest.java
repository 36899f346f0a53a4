package labkit.augment;

import static labkit.augment.ColorJitterTest.assertMessage;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.util.Arrays;
import java.util.Random;
import labkit.TestFixtures;
import org.junit.jupiter.api.Test;

class GeometryTest {

    static NDArray randomUint8(NDManager m, int h, int w, int c) {
        return m.randomInteger(0, 256, new Shape(h, w, c), DataType.INT32).toType(DataType.UINT8, false);
    }

    @Test
    void flipIsExact() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = randomUint8(m, 5, 7, 3);
            RandomHorizontalFlip always = new RandomHorizontalFlip(1.0);
            NDArray once = always.transform(x);
            assertArrayEquals(x.flip(1).toByteArray(), once.toByteArray(), "columns reversed");
            assertEquals(x.getUint8(2, 0, 1), once.getUint8(2, 6, 1));
            assertArrayEquals(x.toByteArray(), always.transform(once).toByteArray(), "twice is the identity");
            assertArrayEquals(x.toByteArray(), new RandomHorizontalFlip(0.0).transform(x).toByteArray());
            NDArray f = m.randomUniform(0f, 255f, new Shape(3, 4, 1));
            assertArrayEquals(f.flip(1).toFloatArray(), always.transform(f).toFloatArray());
        }
    }

    @Test
    void quarterTurnOfASquareImageIsRot90() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (int size : new int[] {6, 7}) {
                NDArray x = randomUint8(m, size, size, 3);
                NDArray turned = new Rotate(90).transform(x);
                // counter-clockwise: out[i][j] = in[j][w - 1 - i], torch.rot90(x, 1, dims=(0, 1))
                assertArrayEquals(x.flip(1).transpose(1, 0, 2).toByteArray(), turned.toByteArray(), "size " + size);
                NDArray back = new Rotate(-90).transform(turned);
                assertArrayEquals(x.toByteArray(), back.toByteArray());
                NDArray half = new Rotate(180, Interpolation.BILINEAR).transform(x);
                assertArrayEquals(x.flip(0, 1).toByteArray(), half.toByteArray(), "bilinear is exact on whole pixels");
            }
        }
    }

    @Test
    void rotationAndPerspectiveMatchTorchvision() {
        JsonObject fx = TestFixtures.object("augment/geometry.json");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray img = TestFixtures.image(fx, m);
            for (JsonElement e : fx.getAsJsonArray("cases")) {
                JsonObject c = e.getAsJsonObject();
                PixelTransform t = c.get("op").getAsString().equals("rotate")
                        ? new Rotate(c.get("angle").getAsDouble(), Interpolation.NEAREST)
                        : new Perspective(points(c.getAsJsonArray("startpoints")), points(c.getAsJsonArray("endpoints")),
                                Interpolation.NEAREST);
                float[] expected = TestFixtures.floats(c.getAsJsonArray("expected"));
                float[] got = TestFixtures.values(t.transform(img));
                int pixels = expected.length / 3;
                int differ = 0;
                for (int p = 0; p < pixels; p++) {
                    for (int ch = 0; ch < 3; ch++) {
                        if (got[3 * p + ch] != expected[3 * p + ch]) {
                            differ++;
                            break;
                        }
                    }
                }
                // nearest sampling: identical except where a sample point falls on a rounding tie
                assertTrue(differ <= pixels / 20, t + ": " + differ + " of " + pixels + " pixels differ from torchvision");
            }
        }
    }

    private static double[][] points(JsonArray a) {
        double[][] p = new double[a.size()][2];
        for (int i = 0; i < p.length; i++) {
            p[i][0] = a.get(i).getAsJsonArray().get(0).getAsDouble();
            p[i][1] = a.get(i).getAsJsonArray().get(1).getAsDouble();
        }
        return p;
    }

    @Test
    void perspectiveKeepsSizeAndPZeroIsIdentity() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = randomUint8(m, 12, 10, 3);
            NDArray warped = new RandomPerspective(0.5, 1.0, 3).transform(x);
            assertEquals(x.getShape(), warped.getShape());
            assertEquals(DataType.UINT8, warped.getDataType());
            assertFalse(Arrays.equals(x.toByteArray(), warped.toByteArray()));
            assertArrayEquals(x.toByteArray(), new RandomPerspective(0.5, 0.0, 3).transform(x).toByteArray());
            NDArray f = m.randomUniform(0f, 255f, new Shape(9, 9, 1));
            NDArray wf = new RandomPerspective(0.3, 1.0, 4).transform(f);
            assertEquals(f.getShape(), wf.getShape());
            assertEquals(DataType.FLOAT32, wf.getDataType());
            assertArrayEquals(x.toByteArray(), new RandomPerspective(0.0, 1.0, 3).transform(x).toByteArray(),
                    "distortion 0 leaves the corners in place");
        }
    }

    @Test
    void perspectiveParamsFollowTorchvision() {
        Random r = new Random(1);
        for (int i = 0; i < 200; i++) {
            RandomPerspective.Params p = RandomPerspective.getParams(32, 24, 0.5, r);
            int[][] e = p.endpoints();
            assertArrayEquals(new int[] {31, 23}, p.startpoints()[2]);
            assertTrue(e[0][0] >= 0 && e[0][0] <= 8 && e[0][1] >= 0 && e[0][1] <= 6, Arrays.deepToString(e));
            assertTrue(e[1][0] >= 23 && e[1][0] <= 31 && e[1][1] <= 6, Arrays.deepToString(e));
            assertTrue(e[2][0] >= 23 && e[2][1] >= 17 && e[2][1] <= 23, Arrays.deepToString(e));
            assertTrue(e[3][0] <= 8 && e[3][1] >= 17, Arrays.deepToString(e));
        }
    }

    @Test
    void randomGeometrySeeds() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = randomUint8(m, 16, 16, 3);
            byte[] a = new RandomRotation(30, 9).transform(x).toByteArray();
            assertArrayEquals(a, new RandomRotation(30, 9).transform(x).toByteArray());
            assertFalse(Arrays.equals(a, new RandomRotation(30, 10).transform(x).toByteArray()));
            byte[] p = new RandomPerspective(0.5, 1.0, 9).transform(x).toByteArray();
            assertArrayEquals(p, new RandomPerspective(0.5, 1.0, 9).transform(x).toByteArray());
            assertFalse(Arrays.equals(p, new RandomPerspective(0.5, 1.0, 10).transform(x).toByteArray()));
            assertArrayEquals(x.toByteArray(), new RandomRotation(0).transform(x).toByteArray());
        }
    }

    @Test
    void resizeKeepsDtypeAndConstantImages() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.full(new Shape(8, 6, 3), 77, DataType.INT32).toType(DataType.UINT8, false);
            NDArray y = new Resize(5, 9).transform(x);
            assertEquals(new Shape(5, 9, 3), y.getShape());
            assertEquals(DataType.UINT8, y.getDataType());
            assertTrue(y.eq(77).all().getBoolean());
            NDArray f = m.arange(0f, 16f).reshape(1, 16, 1);
            NDArray half = new Resize(1, 8).transform(f); // half-pixel centres: means of neighbour pairs
            assertArrayEquals(new float[] {0.5f, 2.5f, 4.5f, 6.5f, 8.5f, 10.5f, 12.5f, 14.5f}, half.toFloatArray(), 1e-5f);
        }
    }

    @Test
    void badArgumentsNameTheArgument() {
        assertMessage(() -> new RandomHorizontalFlip(1.5), "p must");
        assertMessage(() -> new RandomPerspective(0.5, -0.1), "p must");
        assertMessage(() -> new RandomPerspective(1.5, 0.5), "distortionScale");
        assertMessage(() -> new RandomRotation(-3), "degrees");
        assertMessage(() -> new Rotate(Double.NaN), "angle");
        assertMessage(() -> new Resize(0, 4), "height and width");
        assertMessage(() -> new Perspective(new double[3][2], new double[4][2]), "startpoints");
        try (NDManager m = NDManager.newBaseManager()) {
            assertMessage(() -> new RandomRotation(10).transform(m.zeros(new Shape(1, 8, 8, 3))), "per sample");
        }
    }
}
