package labkit.nn;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BiFPNTest {

    private static NDList run(BiFPN fpn, NDManager m, Shape... shapes) {
        fpn.initialize(m, DataType.FLOAT32, shapes);
        NDList in = new NDList();
        for (Shape s : shapes) {
            in.add(m.randomNormal(s));
        }
        return fpn.forward(new ParameterStore(m, false), in, true);
    }

    @Test
    void threeLevelsLikeTheDepthProject() {
        try (NDManager m = NDManager.newBaseManager()) {
            BiFPN fpn = BiFPN.builder().inChannels(40, 112, 320).width(64).repeats(3).build();
            Shape[] in = {new Shape(2, 40, 28, 28), new Shape(2, 112, 14, 14), new Shape(2, 320, 7, 7)};
            NDList out = run(fpn, m, in);
            Shape[] expected = {new Shape(2, 64, 28, 28), new Shape(2, 64, 14, 14), new Shape(2, 64, 7, 7)};
            assertArrayEquals(expected, out.getShapes());
            assertArrayEquals(expected, fpn.getOutputShapes(in));
            // proj: Σ(C_i·W + 2W); per layer 4 nodes: n weights + 9W (dw) + W² (pw) + 2W (BN)
            long w = 64;
            long proj = (40 + 112 + 320) * w + 3 * 2 * w;
            long node = 9 * w + w * w + 2 * w;
            long layer = 4 * node + (2 + 2) + (3 + 2);
            assertEquals(proj + 3 * layer, BlockTree.countParameters(fpn));
            Map<String, ?> p = BlockTree.parameters(fpn);
            assertTrue(p.containsKey("layers.2.out1.weight"), p.keySet().toString());
            assertTrue(p.containsKey("layers.0.td0.depthwise.weight"), p.keySet().toString());
            assertTrue(p.containsKey("proj.2.0.weight"), p.keySet().toString());
        }
    }

    @Test
    void twoAndFourLevelsAtOtherSizes() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDList two = run(BiFPN.builder().inChannels(8, 16).width(8).repeats(1).build(), m,
                    new Shape(1, 8, 10, 12), new Shape(1, 16, 5, 6));
            assertArrayEquals(new Shape[] {new Shape(1, 8, 10, 12), new Shape(1, 8, 5, 6)}, two.getShapes());
            NDList four = run(BiFPN.builder().inChannels(4, 8, 16, 32).width(16).repeats(2).build(), m,
                    new Shape(1, 4, 32, 32), new Shape(1, 8, 16, 16), new Shape(1, 16, 8, 8), new Shape(1, 32, 4, 4));
            assertArrayEquals(new Shape[] {new Shape(1, 16, 32, 32), new Shape(1, 16, 16, 16), new Shape(1, 16, 8, 8),
                    new Shape(1, 16, 4, 4)}, four.getShapes());
        }
    }

    @Test
    void fastNormalisedFusion() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray a = m.create(new float[] {1, 2});
            NDArray b = m.create(new float[] {3, 5});
            NDArray w = m.create(new float[] {2, -1}); // relu → (2, 0)
            float[] got = FusionNode.fuse(new NDList(a, b), w).toFloatArray();
            assertEquals(2f / (2 + 1e-4f), got[0], 1e-6);
            assertEquals(4f / (2 + 1e-4f), got[1], 1e-6);
            NDArray w2 = m.create(new float[] {1, 3});
            float[] got2 = FusionNode.fuse(new NDList(a, b), w2).toFloatArray();
            assertEquals((1 + 9f) / (4 + 1e-4f), got2[0], 1e-5);
        }
    }

    @Test
    void clearErrorsForWrongInputs() {
        BiFPN fpn = BiFPN.builder().inChannels(40, 112, 320).width(64).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fpn.getOutputShapes(
                new Shape[] {new Shape(1, 40, 28, 28), new Shape(1, 112, 14, 14), new Shape(1, 320, 8, 8)}));
        assertTrue(e.getMessage().contains("half"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fpn.getOutputShapes(
                new Shape[] {new Shape(1, 40, 28, 28), new Shape(1, 112, 14, 14)}));
        assertTrue(e.getMessage().contains("3 levels"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> fpn.getOutputShapes(
                new Shape[] {new Shape(1, 24, 28, 28), new Shape(1, 112, 14, 14), new Shape(1, 320, 7, 7)}));
        assertTrue(e.getMessage().contains("level 0"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> BiFPN.builder().inChannels(40).build());
    }

    @Test
    void aTrainingPassLeavesNothingInTheModelsManager() {
        // relu(w) of every fusion node and the scalars taken from it used to stay in the weights' manager: a DepthNet
        // grew by 63 arrays per forward pass for as long as the model lived
        try (NDManager m = NDManager.newBaseManager()) {
            BiFPN fpn = BiFPN.builder().inChannels(8, 16, 32).width(8).repeats(2).build();
            Shape[] shapes = {new Shape(2, 8, 8, 8), new Shape(2, 16, 4, 4), new Shape(2, 32, 2, 2)};
            fpn.initialize(m, DataType.FLOAT32, shapes);
            ManagerLeakCheck.assertTrainingPassesLeaveManagerUnchanged(m, fpn, 3, pass -> {
                NDList in = new NDList();
                for (Shape sh : shapes) {
                    in.add(pass.randomNormal(sh));
                }
                return in;
            }, "BiFPN");
            NDArray g = BlockTree.parameters(fpn).get("layers.0.td0.weight").getArray().getGradient();
            assertTrue(g.abs().sum().getFloat() > 0, "the fusion weights still get gradients");
        }
    }
}
