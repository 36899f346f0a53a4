package labkit.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import labkit.TestFixtures;
import org.junit.jupiter.api.Test;

class ReduceLROnPlateauTest {

    @Test
    void ratesMatchTorchsScheduler() throws Exception {
        for (JsonElement e : TestFixtures.json("depth/plateau.json").getAsJsonArray()) {
            JsonObject c = e.getAsJsonObject();
            ReduceLROnPlateau p = new ReduceLROnPlateau("val_loss", c.get("factor").getAsDouble(),
                    c.get("patience").getAsInt(), 1e-4, c.get("cooldown").getAsInt(), c.get("min_lr").getAsDouble());
            float[] losses = TestFixtures.floats(c.get("losses"));
            float[] lrs = TestFixtures.floats(c.get("lrs"));
            History h = History.empty("t", List.of(History.TRAIN_LOSS, History.VAL_LOSS, History.LR, History.SECONDS));
            for (int epoch = 0; epoch < losses.length; epoch++) {
                assertEquals(lrs[epoch], p.lr(epoch, 1e-2), 1e-9, p + " epoch " + epoch);
                h.append(epoch + 1, Map.of(History.TRAIN_LOSS, 0.0, History.VAL_LOSS, (double) losses[epoch],
                        History.LR, 0.0, History.SECONDS, 0.0));
                p.observe(h);
            }
        }
        assertThrows(IllegalArgumentException.class, () -> new ReduceLROnPlateau("val_loss", 1.5, 1));
    }

    @Test
    void ssimEvaluatorAveragesImages() {
        try (NDManager m = NDManager.newBaseManager()) {
            var a = m.randomUniform(0f, 1f, new Shape(3, 1, 16, 16));
            var b = a.add(m.randomNormal(0f, 0.1f, new Shape(3, 1, 16, 16), a.getDataType()));
            SsimEvaluator ev = new SsimEvaluator(1.0);
            ev.addAccumulator("val");
            ev.updateAccumulator("val", new NDList(a.get("0:1")), new NDList(b.get("0:1")));
            ev.updateAccumulator("val", new NDList(a.get("1:3")), new NDList(b.get("1:3")));
            assertEquals(Ssim.of(b, a, 1.0), ev.getAccumulator("val"), 1e-6);
            assertEquals("ssim", Fit.columnName(ev));
        }
    }
}
