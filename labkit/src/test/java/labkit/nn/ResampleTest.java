package labkit.nn;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import labkit.TestFixtures;
import org.junit.jupiter.api.Test;

/** PixelShuffle, Upsample and Concat against torch 1.13 fixtures. */
class ResampleTest {

    @Test
    void pixelShuffleMatchesTorchCrdOrder() {
        JsonObject f = TestFixtures.section("segsr/segsr.json", "pixel_shuffle");
        try (NDManager m = NDManager.newBaseManager()) {
            for (String r : new String[] {"3", "2"}) {
                JsonObject c = f.getAsJsonObject(r);
                Shape in = new Shape(TestFixtures.longs(c.get("in_shape")));
                NDArray x = m.arange((float) in.size()).reshape(in);
                PixelShuffle ps = new PixelShuffle(Integer.parseInt(r));
                NDArray y = ps.apply(x, false);
                assertEquals(new Shape(TestFixtures.longs(c.get("out_shape"))), y.getShape());
                assertEquals(y.getShape(), ps.getOutputShapes(new Shape[] {in})[0]);
                assertArrayEquals(TestFixtures.floats(c.get("out")), y.toFloatArray(), 0f);
            }
            assertThrows(IllegalArgumentException.class, () -> new PixelShuffle(3).apply(m.zeros(new Shape(1, 8, 2, 2)), false));
        }
    }

    @Test
    void upsampleModesMatchTorchInterpolate() {
        JsonObject f = TestFixtures.section("segsr/segsr.json", "interpolate");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(TestFixtures.floats(f.get("in")), new Shape(TestFixtures.longs(f.get("in_shape"))));
            assertArrayEquals(TestFixtures.floats(f.get("nearest2")), Upsample.nearest(2).apply(x, false).toFloatArray(), 1e-6f);
            assertArrayEquals(TestFixtures.floats(f.get("bilinear2")),
                    new Upsample(2, Upsample.Mode.BILINEAR).apply(x, false).toFloatArray(), 1e-5f);
            assertArrayEquals(TestFixtures.floats(f.get("bicubic3")),
                    new Upsample(3, Upsample.Mode.BICUBIC).apply(x, false).toFloatArray(), 1e-5f);
            NDArray ac = Upsample.resize(x, 7, 9, Upsample.Mode.BILINEAR_ALIGN_CORNERS);
            assertEquals(new Shape(1, 2, 7, 9), ac.getShape());
            assertArrayEquals(TestFixtures.floats(f.get("bilinear_ac_7x9")), ac.toFloatArray(), 1e-5f);
        }
    }

    @Test
    void concatAndAddShapes() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDList in = new NDList(m.ones(new Shape(2, 3, 4, 5)), m.zeros(new Shape(2, 1, 4, 5)));
            Concat cat = new Concat();
            NDArray y = cat.forward(new ai.djl.training.ParameterStore(m, false), in, false).head();
            assertEquals(new Shape(2, 4, 4, 5), y.getShape());
            assertEquals(y.getShape(), cat.getOutputShapes(in.getShapes())[0]);
            assertThrows(IllegalArgumentException.class,
                    () -> cat.getOutputShapes(new Shape[] {new Shape(2, 3, 4, 5), new Shape(2, 1, 4, 6)}));
            assertThrows(IllegalArgumentException.class,
                    () -> new Add().getOutputShapes(new Shape[] {new Shape(2, 3, 4, 5), new Shape(2, 1, 4, 5)}));
        }
    }
}
