package labkit.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.Parameter;
import com.google.gson.JsonObject;
import java.util.List;
import java.util.Map;
import labkit.TestFixtures;
import labkit.models.MobileNetV2;
import labkit.nn.Act;
import labkit.nn.Sequential;
import labkit.nn.BlockTree;
import labkit.nn.ConvAct;
import org.junit.jupiter.api.Test;

class CrossLayerEqualizationTest {
    static final CrossLayerEqualization.Range MINMAX = CrossLayerEqualization.Range.MAX_MINUS_MIN;

    /** Same weights as torch's fixture, equalized by torch.ao.quantization._equalize.equalize. */
    @Test
    void matchesTorchEqualize() {
        JsonObject fx = TestFixtures.object("quant/cle.json");
        try (NDManager m = NDManager.newBaseManager()) {
            Block model = new Sequential()
                    .add("0", new ConvAct(Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(8)
                            .optPadding(new Shape(1, 1)).build(), Act.relu()))
                    .add("1", new ConvAct(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(6).build(),
                            Act.relu()))
                    .add("2", Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(4)
                            .optPadding(new Shape(1, 1)).build());
            model.initialize(m, DataType.FLOAT32, new Shape(2, 3, 8, 8));
            Map<String, Parameter> params = BlockTree.parameters(model);
            JsonObject before = fx.getAsJsonObject("before");
            assertEquals(before.keySet(), params.keySet());
            before.keySet().forEach(k -> params.get(k).getArray().set(TestFixtures.floats(before.getAsJsonObject(k).get("data"))));
            NDArray x = TestFixtures.tensor(m, fx.getAsJsonObject("x"));

            CrossLayerEqualization.Result r = CrossLayerEqualization.equalize(model);
            assertEquals(List.of(new CrossLayerEqualization.Pair("0", "1"), new CrossLayerEqualization.Pair("1", "2")),
                    r.pairs());
            JsonObject after = fx.getAsJsonObject("after");
            for (String k : after.keySet()) {
                float[] want = TestFixtures.floats(after.getAsJsonObject(k).get("data"));
                float[] got = params.get(k).getArray().toFloatArray();
                float scale = 0;
                for (float w : want) {
                    scale = Math.max(scale, Math.abs(w));
                }
                assertArrayEquals(want, got, 1e-5f * scale, k);
            }
            assertArrayEquals(TestFixtures.floats(fx.getAsJsonObject("out").get("data")),
                    TestModels.eval(model, m, x).toFloatArray(), 1e-4f);
        }
    }

    /**
     * conv3×3(3→8)+BN+ReLU → conv1×1(8→6)+BN+ReLU → conv1×1(6→4)+BN; conv weights uniform in ±weightScale, BN
     * mean 0, var 1, γ in [0.2, 0.5], β 2 on even channels (so β − 3γ > 0) and 0.1 on odd ones.
     */
    static Block absorptionNet(NDManager m, float weightScale, long seed) {
        Block s = new Sequential()
                .add("0", labkit.nn.ConvBnAct.builder(8).build())
                .add("1", labkit.nn.ConvBnAct.builder(6).kernel(1).build())
                .add("2", labkit.nn.ConvBnAct.builder(4).kernel(1).act(Act.Kind.IDENTITY).build());
        s.initialize(m, DataType.FLOAT32, new Shape(2, 3, 8, 8));
        java.util.Random r = new java.util.Random(seed);
        for (Map.Entry<String, Parameter> e : BlockTree.parameters(s).entrySet()) {
            NDArray a = e.getValue().getArray();
            float[] v = new float[(int) a.size()];
            String k = e.getKey();
            for (int i = 0; i < v.length; i++) {
                v[i] = k.endsWith(".0.weight") ? (float) ((2 * r.nextDouble() - 1) * weightScale)
                        : k.endsWith("running_mean") ? 0f : k.endsWith("running_var") ? 1f
                        : k.endsWith(".1.weight") ? (float) (0.2 + 0.3 * r.nextDouble())
                        : i % 2 == 0 ? 2f : 0.1f;
            }
            a.set(v);
        }
        return s;
    }

    @Test
    void highBiasAbsorptionKeepsTheOutputWhenPreActivationsStayAboveC() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 3, 8, 8));
            Block model = absorptionNet(m, 0.05f, 1);
            Map<String, Parameter> before = BlockTree.parameters(model);
            float[] gamma = before.get("0.1.weight").getArray().toFloatArray();
            float[] beta = before.get("0.1.bias").getArray().toFloatArray();
            float[] gamma2 = before.get("1.1.weight").getArray().toFloatArray();
            float[] beta2 = before.get("1.1.bias").getArray().toFloatArray();
            NDArray ref = TestModels.eval(model, m, x);
            BnFusion.Fusion f = BnFusion.fuseKeepingStatistics(model);
            assertEquals(List.of("0.0", "1.0", "2.0"), List.copyOf(f.statistics().keySet()));
            assertArrayEquals(gamma, f.statistics().get("0.0").gamma());
            float[] b1 = BlockTree.parameters(model).get("0.0.0.bias").getArray().toFloatArray();
            float[] w2 = BlockTree.parameters(model).get("1.0.0.weight").getArray().toFloatArray(); // 6×8×1×1
            float[] b2 = BlockTree.parameters(model).get("1.0.0.bias").getArray().toFloatArray();

            List<CrossLayerEqualization.Absorbed> a = CrossLayerEqualization.absorbHighBias(model, f.statistics());
            assertEquals(2, a.size());
            CrossLayerEqualization.Absorbed first = a.get(0);
            assertEquals("0.0", first.first());
            assertEquals("1.0", first.second());
            assertEquals("", first.note());
            float[] want = new float[8];
            for (int i = 0; i < 8; i++) {
                want[i] = Math.max(0, beta[i] - 3 * gamma[i]); // hand-computed: 2 − 3γ on even channels, 0 on odd
            }
            assertArrayEquals(want, first.amount(), 1e-6f);
            assertEquals(4, first.absorbedChannels());
            float[] b1After = BlockTree.parameters(model).get("0.0.0.bias").getArray().toFloatArray();
            float[] b2After = BlockTree.parameters(model).get("1.0.0.bias").getArray().toFloatArray();
            for (int i = 0; i < 8; i++) {
                assertEquals(b1[i] - want[i], b1After[i], 1e-6f, "layer 1 bias " + i);
            }
            for (int o = 0; o < 6; o++) {
                double add = 0;
                for (int i = 0; i < 8; i++) {
                    add += w2[o * 8 + i] * want[i];
                }
                // layer 2 gains W2·c of pair (0.0, 1.0) and, as first layer of pair (1.0, 2.0), gives its own c
                float c2 = Math.max(0, beta2[o] - 3 * gamma2[o]);
                assertEquals(c2, a.get(1).amount()[o], 1e-6f);
                assertEquals(b2[o] + add - c2, b2After[o], 1e-5, "layer 2 bias " + o);
            }
            NDArray out = TestModels.eval(model, m, x);
            float err = out.sub(ref).abs().max().getFloat() / ref.abs().max().getFloat();
            assertTrue(err < 1e-4, "relative change " + err);

            tech.tablesaw.api.Table t = CrossLayerEqualization.absorptionTable(a);
            assertEquals(2, t.rowCount());
            assertEquals(List.of("first", "second", "channels", "channels_absorbed", "mean_absorbed", "max_absorbed",
                    "note"), t.columnNames());
            assertEquals(4, t.intColumn("channels_absorbed").get(0));
            assertEquals(first.max(), t.doubleColumn("max_absorbed").get(0), 1e-6);
        }
    }

    @Test
    void absorptionAfterEqualizationUsesTheScaledStatistics() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 3, 8, 8));
            Block model = absorptionNet(m, 0.05f, 2);
            float[] gamma = BlockTree.parameters(model).get("0.1.weight").getArray().toFloatArray();
            NDArray ref = TestModels.eval(model, m, x);
            BnFusion.Fusion f = BnFusion.fuseKeepingStatistics(model);
            CrossLayerEqualization.Result r = CrossLayerEqualization.equalize(model);
            double[] s = r.scales().get("0.0");
            assertTrue(java.util.Arrays.stream(s).anyMatch(v -> Math.abs(v - 1) > 0.01), "equalization rescaled");
            List<CrossLayerEqualization.Absorbed> a = CrossLayerEqualization.absorbHighBias(model, f.statistics(), r);
            for (int i = 0; i < 8; i += 2) {
                assertEquals((2 - 3 * gamma[i]) / s[i], a.get(0).amount()[i], 1e-5 * a.get(0).amount()[i]);
            }
            NDArray out = TestModels.eval(model, m, x);
            float err = out.sub(ref).abs().max().getFloat() / ref.abs().max().getFloat();
            assertTrue(err < 1e-4, "relative change " + err);
        }
    }

    @Test
    void absorptionChangesTheOutputWhenPreActivationsFallBelowC() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomNormal(new Shape(2, 3, 8, 8));
            Block model = absorptionNet(m, 1f, 3); // wide weights: many pre-activations far below β − 3γ
            NDArray ref = TestModels.eval(model, m, x);
            BnFusion.Fusion f = BnFusion.fuseKeepingStatistics(model);
            CrossLayerEqualization.absorbHighBias(model, f.statistics());
            NDArray out = TestModels.eval(model, m, x);
            float err = out.sub(ref).abs().max().getFloat() / ref.abs().max().getFloat();
            assertTrue(err > 1e-3, "relative change " + err);
            // no statistics: every pair is reported and left alone
            Block other = absorptionNet(m, 1f, 3);
            BnFusion.fuse(other);
            List<CrossLayerEqualization.Absorbed> none = CrossLayerEqualization.absorbHighBias(other, Map.of());
            assertEquals(2, none.size());
            assertTrue(none.get(0).note().contains("no BatchNorm statistics"), none.get(0).note());
            assertEquals(0, none.get(0).absorbedChannels());
        }
    }

    static Block layer(Block model, String path) {
        Block b = BlockTree.get(model, path);
        return b instanceof ConvAct ca ? ca.layer() : b;
    }

    /** max - min of W[:, i] (or W[i] for depthwise) per input channel of the second layer. */
    static float[] inputRanges(Block second) {
        NDArray w = second.getParameters().get("weight").getArray();
        long[] s = w.getShape().getShape();
        boolean dw = second instanceof Conv2d c && c.getGroups() > 1;
        int out = (int) s[0];
        int in = (int) s[1];
        int k = (int) (w.size() / (out * in));
        float[] v = w.toFloatArray();
        int n = dw ? out : in;
        float[] lo = new float[n];
        float[] hi = new float[n];
        java.util.Arrays.fill(lo, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(hi, Float.NEGATIVE_INFINITY);
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < k; j++) {
                    int ch = dw ? o : i;
                    lo[ch] = Math.min(lo[ch], v[(o * in + i) * k + j]);
                    hi[ch] = Math.max(hi[ch], v[(o * in + i) * k + j]);
                }
            }
        }
        float[] r = new float[n];
        for (int i = 0; i < n; i++) {
            r[i] = hi[i] - lo[i];
        }
        return r;
    }

    @Test
    void mobileNetOutputUnchangedAndRangesBalanced() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block model = TestModels.smallMobileNet(m, 11);
            BnFusion.fuse(model);
            NDArray x = m.randomNormal(new Shape(2, 3, 32, 32));
            NDArray before = TestModels.eval(model, m, x);
            float spreadBefore = spread(CrossLayerEqualization.outputChannelRanges(layer(model, "features.0.0"), MINMAX));

            CrossLayerEqualization.Result r = CrossLayerEqualization.equalize(model);
            assertEquals(34, r.pairs().size());
            assertTrue(r.pairs().contains(new CrossLayerEqualization.Pair("features.0.0", "features.1.conv.0.0")));
            assertTrue(r.pairs().contains(new CrossLayerEqualization.Pair("features.3.conv.1.0", "features.3.conv.2")));
            assertTrue(r.iterations() > 1 && r.iterations() < 100, "iterations " + r.iterations());

            NDArray after = TestModels.eval(model, m, x);
            float rel = after.sub(before).abs().max().getFloat() / before.abs().max().getFloat();
            assertTrue(rel < 1e-4, "output changed by " + rel);
            for (CrossLayerEqualization.Pair p : r.pairs()) {
                float[] r1 = CrossLayerEqualization.outputChannelRanges(layer(model, p.first()), MINMAX);
                float[] r2 = inputRanges(layer(model, p.second()));
                for (int i = 0; i < r1.length; i++) {
                    assertEquals(r1[i], r2[i], 1e-3 * Math.max(r1[i], r2[i]), p + " channel " + i);
                }
            }
            float spreadAfter = spread(CrossLayerEqualization.outputChannelRanges(layer(model, "features.0.0"), MINMAX));
            assertTrue(spreadAfter < spreadBefore, "per-channel ranges of the stem got more even: " + spreadBefore
                    + " -> " + spreadAfter);
        }
    }

    static float spread(float[] r) {
        float lo = Float.MAX_VALUE;
        float hi = 0;
        for (float v : r) {
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        return hi / lo;
    }

    @Test
    void relu6PairsAreSkipped() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block model = MobileNetV2.builder().widthMult(0.35).numClasses(10).build();
            model.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            BnFusion.fuse(model);
            assertTrue(CrossLayerEqualization.equalize(model).pairs().isEmpty());
        }
    }
}
