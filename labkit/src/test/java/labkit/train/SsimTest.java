package labkit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import labkit.TestFixtures;
import org.junit.jupiter.api.Test;

/** SSIM and MSE against scikit-image fixtures (make_depth_fixtures.py), which also equal torchmetrics' algorithm. */
class SsimTest {

    @Test
    void matchesScikitImageFixtures() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            for (JsonElement e : TestFixtures.json("depth/ssim.json").getAsJsonArray()) {
                JsonObject c = e.getAsJsonObject();
                Shape s = new Shape(1, 1, c.get("h").getAsLong(), c.get("w").getAsLong());
                NDArray p = m.create(TestFixtures.floats(c.get("pred")), s);
                NDArray t = m.create(TestFixtures.floats(c.get("target")), s);
                double range = c.get("data_range").getAsDouble();
                String what = "case " + s + " range " + range;
                assertEquals(c.get("ssim").getAsDouble(), Ssim.of(p, t, range), 1e-5, what);
                assertEquals(c.get("mse").getAsDouble(), Mse.of(p, t), 1e-6 * (1 + c.get("mse").getAsDouble()), what);
            }
        }
    }

    @Test
    void runningMeanIsTheMeanOfPerImageValues() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            var cases = TestFixtures.json("depth/ssim.json").getAsJsonArray();
            // cases 0 and 3 are both 56×56 with range 1: a batch of two, then one image at a time
            JsonObject a = cases.get(0).getAsJsonObject();
            JsonObject b = cases.get(3).getAsJsonObject();
            Shape one = new Shape(1, 1, 56, 56);
            NDArray p = m.create(TestFixtures.floats(a.get("pred")), one)
                    .concat(m.create(TestFixtures.floats(b.get("pred")), one));
            NDArray t = m.create(TestFixtures.floats(a.get("target")), one)
                    .concat(m.create(TestFixtures.floats(b.get("target")), one));
            Ssim ssim = new Ssim(1.0);
            float[] per = ssim.perImage(p, t).toFloatArray();
            assertEquals(a.get("ssim").getAsDouble(), per[0], 1e-5);
            assertEquals(1.0, per[1], 1e-6);
            ssim.update(p, t);
            assertEquals((a.get("ssim").getAsDouble() + 1.0) / 2, ssim.compute(), 1e-5);
            assertEquals(2, ssim.count());
            Mse mse = new Mse().update(p.get("0:1"), t.get("0:1")).update(p.get("1:2"), t.get("1:2"));
            assertEquals(Mse.of(p, t), mse.compute(), 1e-6);
        }
    }

    @Test
    void clearErrors() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray small = m.zeros(new Shape(1, 1, 8, 8));
            var e = assertThrows(IllegalArgumentException.class, () -> Ssim.of(small, small, 1.0));
            assertTrue(e.getMessage().contains("11×11"), e.getMessage());
            var e2 = assertThrows(IllegalArgumentException.class,
                    () -> Ssim.of(m.zeros(new Shape(1, 1, 16, 16)), m.zeros(new Shape(1, 1, 16, 17)), 1.0));
            assertTrue(e2.getMessage().contains("same shape"), e2.getMessage());
            assertThrows(IllegalArgumentException.class, () -> new Ssim(0));
            assertThrows(IllegalStateException.class, () -> new Ssim(1).compute());
        }
    }
}
