package labkit.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import labkit.models.MobileNetV2;
import labkit.nn.BlockTree;
import labkit.nn.ConvAct;
import org.junit.jupiter.api.Test;

class CrossLayerEqualizationTest {

    static Block layer(Block model, String path) {
        Block b = BlockTree.get(model, path);
        return b instanceof ConvAct ca ? ca.layer() : b;
    }

    /** max |W[:, i]| (or |W[i]| for depthwise) per input channel of the second layer. */
    static float[] inputRanges(Block second) {
        NDArray w = second.getParameters().get("weight").getArray();
        long[] s = w.getShape().getShape();
        boolean dw = second instanceof Conv2d c && c.getGroups() > 1;
        int out = (int) s[0];
        int in = (int) s[1];
        int k = (int) (w.size() / (out * in));
        float[] v = w.toFloatArray();
        float[] r = new float[dw ? out : in];
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                for (int j = 0; j < k; j++) {
                    int ch = dw ? o : i;
                    r[ch] = Math.max(r[ch], Math.abs(v[(o * in + i) * k + j]));
                }
            }
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
            float spreadBefore = spread(CrossLayerEqualization.outputChannelRanges(layer(model, "features.0.0")));

            CrossLayerEqualization.Result r = CrossLayerEqualization.equalize(model);
            assertEquals(34, r.pairs().size());
            assertTrue(r.pairs().contains(new CrossLayerEqualization.Pair("features.0.0", "features.1.conv.0.0")));
            assertTrue(r.pairs().contains(new CrossLayerEqualization.Pair("features.3.conv.1.0", "features.3.conv.2")));
            assertTrue(r.iterations() > 1 && r.iterations() < 100, "iterations " + r.iterations());

            NDArray after = TestModels.eval(model, m, x);
            float rel = after.sub(before).abs().max().getFloat() / before.abs().max().getFloat();
            assertTrue(rel < 1e-4, "output changed by " + rel);
            for (CrossLayerEqualization.Pair p : r.pairs()) {
                float[] r1 = CrossLayerEqualization.outputChannelRanges(layer(model, p.first()));
                float[] r2 = inputRanges(layer(model, p.second()));
                for (int i = 0; i < r1.length; i++) {
                    assertEquals(r1[i], r2[i], 1e-3 * Math.max(r1[i], r2[i]), p + " channel " + i);
                }
            }
            float spreadAfter = spread(CrossLayerEqualization.outputChannelRanges(layer(model, "features.0.0")));
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
