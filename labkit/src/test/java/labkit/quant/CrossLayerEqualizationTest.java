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
        JsonObject fx = Fixtures.loadObject("cle.json");
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
            before.keySet().forEach(k -> params.get(k).getArray().set(Fixtures.floats(before.getAsJsonObject(k).get("data"))));
            NDArray x = Fixtures.tensor(m, fx.getAsJsonObject("x"));

            CrossLayerEqualization.Result r = CrossLayerEqualization.equalize(model);
            assertEquals(List.of(new CrossLayerEqualization.Pair("0", "1"), new CrossLayerEqualization.Pair("1", "2")),
                    r.pairs());
            JsonObject after = fx.getAsJsonObject("after");
            for (String k : after.keySet()) {
                float[] want = Fixtures.floats(after.getAsJsonObject(k).get("data"));
                float[] got = params.get(k).getArray().toFloatArray();
                float scale = 0;
                for (float w : want) {
                    scale = Math.max(scale, Math.abs(w));
                }
                assertArrayEquals(want, got, 1e-5f * scale, k);
            }
            assertArrayEquals(Fixtures.floats(fx.getAsJsonObject("out").get("data")),
                    TestModels.eval(model, m, x).toFloatArray(), 1e-4f);
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
