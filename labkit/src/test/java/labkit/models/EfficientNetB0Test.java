package labkit.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import labkit.TestFixtures;
import labkit.nn.BlockTree;
import labkit.nn.Sequential;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class EfficientNetB0Test {
    static JsonObject fx;

    @BeforeAll
    static void load() throws Exception {
        fx = TestFixtures.json("depth/efficientnet_b0.json").getAsJsonObject();
    }

    @Test
    void keysShapesAndCountsAreTorchvisions() {
        try (NDManager m = NDManager.newBaseManager()) {
            Sequential net = EfficientNetB0.create(1000);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            Map<String, Parameter> params = BlockTree.parameters(net);
            List<String> expected = new ArrayList<>();
            for (JsonElement e : fx.getAsJsonArray("keys")) {
                JsonArray row = e.getAsJsonArray();
                String key = row.get(0).getAsString();
                expected.add(key);
                Parameter p = params.get(key);
                assertTrue(p != null, "missing " + key);
                long[] shape = new long[row.get(1).getAsJsonArray().size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = row.get(1).getAsJsonArray().get(i).getAsLong();
                }
                assertEquals(new Shape(shape), p.getArray().getShape(), key);
            }
            assertEquals(expected, new ArrayList<>(params.keySet()));
            assertEquals(fx.get("params_total").getAsLong(), BlockTree.countParameters(net));
            assertEquals(5_288_548L, BlockTree.countParameters(net));
            assertEquals(4_007_548L, BlockTree.countParameters(net.getChildren().get(0).getValue()));
        }
    }

    @Test
    void evalForwardMatchesTorchvisionWithFormulaWeights() {
        try (NDManager m = NDManager.newBaseManager()) {
            Sequential net = EfficientNetB0.create(1000);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            setFormulaWeights(net);
            float[] in = new float[3 * 64 * 64];
            for (int i = 0; i < in.length; i++) {
                in[i] = (float) Math.sin(0.01 * i);
            }
            NDArray x = m.create(in, new Shape(1, 3, 64, 64));
            ParameterStore ps = new ParameterStore(m, false);
            Sequential features = (Sequential) net.getChildren().get(0).getValue();
            NDArray f = features.forward(ps, new NDList(x), false).singletonOrThrow();
            assertEquals(new Shape(1, 1280, 2, 2), f.getShape());
            assertClose(TestFixtures.floats(fx.get("features")), f.toFloatArray(), 2e-4f);
            NDArray logits = net.forward(ps, new NDList(x), false).singletonOrThrow();
            float[] first = new float[50];
            System.arraycopy(logits.toFloatArray(), 0, first, 0, 50);
            assertClose(TestFixtures.floats(fx.get("logits_first")), first, 5e-4f);
        }
    }

    /** The same formula as make_depth_fixtures.py's fill(). */
    static void setFormulaWeights(Sequential net) {
        Map<String, Parameter> params = BlockTree.parameters(net);
        JsonArray keys = fx.getAsJsonArray("keys");
        for (int k = 0; k < keys.size(); k++) {
            JsonArray row = keys.get(k).getAsJsonArray();
            Parameter p = params.get(row.get(0).getAsString());
            String kind = row.get(2).getAsString();
            Shape shape = p.getArray().getShape();
            float[] v = new float[Math.toIntExact(shape.size())];
            long fanIn = shape.dimension() > 1 ? shape.size() / shape.get(0) : 1;
            double scale = shape.dimension() > 1 ? Math.sqrt(3.0 / fanIn) : 0.1;
            for (int i = 0; i < v.length; i++) {
                double f = Math.sin(0.7 * i + 1.3 * k) * scale;
                switch (kind) {
                    case "bn_running_mean": v[i] = 0f; break;
                    case "bn_running_var": v[i] = 1f; break;
                    case "bn_weight": v[i] = (float) (1.0 + f); break;
                    default: v[i] = (float) f;
                }
            }
            p.getArray().set(FloatBuffer.wrap(v));
        }
    }

    static void assertClose(float[] expected, float[] actual, float tol) {
        assertEquals(expected.length, actual.length);
        float worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]) / (1f + Math.abs(expected[i])));
        }
        assertTrue(worst <= tol, "max relative difference " + worst + " > " + tol);
    }
}
