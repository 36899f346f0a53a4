package labkit.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.norm.BatchNorm;
import java.util.List;
import labkit.models.MobileNetV2;
import labkit.nn.BlockTree;
import labkit.nn.ConvAct;
import org.junit.jupiter.api.Test;

class BnFusionTest {

    static float maxAbsDiff(NDArray a, NDArray b) {
        return a.sub(b).abs().max().getFloat();
    }

    @Test
    void convStackOutputUnchanged() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block model = TestModels.convStack(m, 1);
            NDArray x = m.randomNormal(new Shape(2, 3, 16, 16));
            NDArray before = TestModels.eval(model, m, x);
            List<BnFusion.Fused> fused = BnFusion.fuse(model);
            assertEquals(List.of(new BnFusion.Fused("1.0", "1.1", "1.2"), new BnFusion.Fused("2.0", "2.1", "2.2"),
                    new BnFusion.Fused("3.0", "3.1", null)), fused);
            assertInstanceOf(ConvAct.class, BlockTree.get(model, "1.0"));
            assertTrue(BlockTree.find(model, BatchNorm.class).isEmpty());
            assertTrue(BlockTree.parameters(model).containsKey("1.0.0.bias"));
            assertTrue(BlockTree.parameters(model).containsKey("3.0.bias"));
            NDArray after = TestModels.eval(model, m, x);
            assertTrue(maxAbsDiff(before, after) < 1e-5f, "max diff " + maxAbsDiff(before, after));
            assertTrue(BnFusion.fuse(model).isEmpty(), "fusing twice finds nothing");
        }
    }

    @Test
    void smallMobileNetOutputUnchanged() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block model = TestModels.smallMobileNet(m, 2);
            NDArray x = m.randomNormal(new Shape(2, 3, 32, 32));
            NDArray before = TestModels.eval(model, m, x);
            List<BnFusion.Fused> fused = BnFusion.fuse(model);
            // stem + 17 blocks (dw + project, expand on 16 of them) + last conv = 1 + 17*2 + 16 + 1
            assertEquals(52, fused.size());
            assertTrue(fused.contains(new BnFusion.Fused("features.1.conv.1", "features.1.conv.2", null)));
            assertTrue(fused.contains(new BnFusion.Fused("features.2.conv.0.0", "features.2.conv.0.1", "features.2.conv.0.2")));
            NDArray after = TestModels.eval(model, m, x);
            float scale = before.abs().max().getFloat();
            assertTrue(maxAbsDiff(before, after) < 1e-5f * Math.max(1f, scale),
                    "max diff " + maxAbsDiff(before, after) + " at output scale " + scale);
        }
    }

    @Test
    void uninitializedModelIsRefused() {
        assertThrows(IllegalStateException.class, () -> BnFusion.fuse(MobileNetV2.builder().build()));
    }
}
