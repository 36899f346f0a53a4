package labkit.train;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** labkit's optimizers, schedules and clipping against torch 1.13 numbers (fixtures/train/optim.json). */
class OptimizerTest {
    static JsonObject fx;

    @BeforeAll
    static void load() throws Exception {
        try (var in = OptimizerTest.class.getResourceAsStream("/fixtures/train/optim.json")) {
            fx = JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        }
    }

    static float[] floats(JsonArray a) {
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsFloat();
        }
        return out;
    }

    /** Runs the fixture's gradient sequence through {@code opt} with real backward passes. */
    static float[] run(StatefulOptimizer opt) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray w = m.create(floats(fx.getAsJsonArray("p0")));
            w.setRequiresGradient(true);
            for (var g : fx.getAsJsonArray("grads")) {
                NDArray grad = m.create(floats(g.getAsJsonArray()));
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(w.mul(grad).sum());
                }
                opt.update("p", w, w.getGradient());
            }
            return w.toFloatArray();
        }
    }

    void check(String name, Supplier<StatefulOptimizer> make) {
        float[] want = floats(fx.getAsJsonObject("optimizers").getAsJsonArray(name));
        assertArrayEquals(want, run(make.get()), 2e-6f, name);
    }

    @Test
    void adamMatchesTorch() {
        check("adam", () -> Adam.of(0.1));
        check("adam_wd", () -> Adam.builder().lr(0.05).betas(0.8, 0.99).eps(1e-6).weightDecay(0.1).build());
        check("adamw", () -> Adam.builder().lr(0.05).weightDecay(0.1).decoupled().build());
    }

    @Test
    void sgdMatchesTorch() {
        check("sgd", () -> Sgd.of(0.1));
        check("sgd_momentum_wd", () -> Sgd.builder().lr(0.1).momentum(0.9).dampening(0.1).weightDecay(0.01).build());
        check("sgd_nesterov", () -> Sgd.builder().lr(0.1).momentum(0.9).nesterov().build());
    }

    @Test
    void stateExportImportContinuesExactly() {
        // two steps, export, import into a fresh optimizer, two more steps == four steps
        float[] straight = run(Adam.of(0.1));
        try (NDManager m = NDManager.newBaseManager()) {
            JsonArray grads = fx.getAsJsonArray("grads");
            NDArray w = m.create(floats(fx.getAsJsonArray("p0")));
            w.setRequiresGradient(true);
            Adam first = Adam.of(0.1);
            StatefulOptimizer current = first;
            for (int i = 0; i < grads.size(); i++) {
                if (i == 2) {
                    Map<String, NDArray> state = first.exportState(Map.of("p", "layer.weight"), m);
                    assertEquals(List.of("layer.weight#step", "layer.weight#exp_avg", "layer.weight#exp_avg_sq"),
                            List.copyOf(state.keySet()));
                    assertEquals(2L, state.get("layer.weight#step").getLong());
                    Adam second = Adam.of(0.1);
                    second.importState(state, Map.of("layer.weight", "new-id"), m);
                    first.clearState();
                    current = second;
                }
                NDArray grad = m.create(floats(grads.get(i).getAsJsonArray()));
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    gc.backward(w.mul(grad).sum());
                }
                current.update(i < 2 ? "p" : "new-id", w, w.getGradient());
            }
            assertArrayEquals(straight, w.toFloatArray(), 0f);
        }
    }

    @Test
    void schedulesMatchTorch() {
        JsonObject s = fx.getAsJsonObject("schedules");
        Map<String, LrSchedule> ours = Map.of(
                "step", LrSchedule.stepLR(3, 0.5),
                "exponential", LrSchedule.exponentialLR(0.9),
                "cosine", LrSchedule.cosineAnnealingLR(6, 0.001));
        ours.forEach((name, sched) -> {
            JsonArray want = s.getAsJsonArray(name);
            for (int e = 0; e < want.size(); e++) {
                assertEquals(want.get(e).getAsDouble(), sched.lr(e, 0.1), 1e-9, name + " epoch " + e);
            }
        });
        LrSchedule warm = LrSchedule.constant().withWarmup(3);
        assertEquals(0.025, warm.lr(0, 0.1), 1e-12);
        assertEquals(0.1, warm.lr(3, 0.1), 1e-12);
    }

    @Test
    void clipGradNormMatchesTorch() {
        JsonObject c = fx.getAsJsonObject("clip");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {3, 0, 4});
            NDArray b = m.create(new float[] {12, 0});
            double total = GradClip.clipGradNorm(List.of(a, b), 1.0);
            assertEquals(c.get("total_norm").getAsDouble(), total, 1e-5);
            assertArrayEquals(floats(c.getAsJsonArray("a")), a.toFloatArray(), 1e-6f);
            assertArrayEquals(floats(c.getAsJsonArray("b")), b.toFloatArray(), 1e-6f);
            // below the limit: untouched
            GradClip.clipGradNorm(List.of(a, b), 10.0);
            assertArrayEquals(floats(c.getAsJsonArray("a")), a.toFloatArray(), 1e-6f);
        }
    }

    @Test
    void badSettingsAreNamed() {
        assertThrows(IllegalArgumentException.class, () -> Adam.of(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Adam.builder().betas(1, 0.9));
        assertTrue(e.getMessage().contains("betas"), e.getMessage());
    }
}
