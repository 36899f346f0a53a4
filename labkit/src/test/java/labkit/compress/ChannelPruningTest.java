package labkit.compress;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.nio.FloatBuffer;
import java.util.List;
import java.util.Map;
import java.util.Random;
import labkit.models.StudentNet;
import labkit.models.Task1Cnn;
import labkit.nn.BlockTree;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

class ChannelPruningTest {
    /** Random BN statistics and scales so the test sees real (not freshly initialised) BatchNorms. */
    static void randomiseBatchNorms(Block net, long seed) {
        Random r = new Random(seed);
        for (Map.Entry<String, Parameter> e : BlockTree.parameters(net).entrySet()) {
            String k = e.getKey();
            if (k.endsWith("running_mean") || k.endsWith("running_var") || (isBn(net, k) && (k.endsWith(".weight")
                    || k.endsWith(".bias")))) {
                NDArray a = e.getValue().getArray();
                float[] v = new float[(int) a.size()];
                for (int i = 0; i < v.length; i++) {
                    v[i] = k.endsWith("running_var") ? 0.5f + r.nextFloat() : (float) r.nextGaussian() * 0.5f
                            + (k.endsWith(".weight") ? 1 : 0);
                }
                a.set(FloatBuffer.wrap(v));
            }
        }
    }

    static boolean isBn(Block net, String key) {
        return BlockTree.blocks(net).get(key.substring(0, key.lastIndexOf('.'))) instanceof ai.djl.nn.norm.BatchNorm;
    }

    /** Sets gamma and beta of the given channels of BN {@code layer} to exactly zero: those channels carry nothing. */
    static void silence(Block net, String layer, int[] channels) {
        for (String p : List.of(".weight", ".bias")) {
            NDArray a = BlockTree.parameters(net).get(layer + p).getArray();
            float[] v = a.toFloatArray();
            for (int c : channels) {
                v[c] = 0;
            }
            a.set(FloatBuffer.wrap(v));
        }
    }

    @Test
    void task1CnnPrunedAtZeroChannelsKeepsItsOutputsExactly() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = TinyData.init(Task1Cnn.create(4, 16, 8), m, 16);
            randomiseBatchNorms(net, 1);
            ChannelPruning cp = ChannelPruning.of(net);
            assertEquals(List.of("features.0.1", "features.2.1", "features.4.1"), cp.prunableLayers());
            // silence half of each group's channels: they are the ones with the smallest |gamma| (zero)
            silence(net, "features.0.1", new int[] {0, 2, 4, 6});
            silence(net, "features.2.1", new int[] {1, 3, 5, 7, 9, 11, 13, 15});
            silence(net, "features.4.1", new int[] {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15});
            NDArray x = TinyData.input(m, 3, 16, 2);
            float[] before = TinyData.forward(net, m, x);
            Block small = cp.keep(0.5).prune(m);
            float[] after = TinyData.forward(small, m, x);
            assertEquals(12, after.length);
            assertArrayEquals(before, after, 1e-5f);
            Table report = cp.report();
            assertEquals(List.of(4, 8, 16), report.intColumn("kept").asList());
            Map<String, Parameter> p = BlockTree.parameters(small);
            assertEquals(new Shape(4, 3, 3, 3), p.get("features.0.0.weight").getArray().getShape());
            assertEquals(new Shape(8, 4, 3, 3), p.get("features.2.0.weight").getArray().getShape());
            assertEquals(new Shape(128, 16 * 2 * 2), p.get("classifier.1.weight").getArray().getShape());
            assertTrue(BlockTree.countParameters(small) < 0.6 * BlockTree.countParameters(net)); // the 128-unit hidden layer has no BN: kept
            // the original is untouched and still runs
            assertArrayEquals(before, TinyData.forward(net, m, x), 0f);
        }
    }

    @Test
    void studentNetPrunesDepthwiseBlocksTogetherAndKeepsItsOutputShape() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = TinyData.init(new StudentNet(4, 1, 10), m, 32);
            randomiseBatchNorms(net, 3);
            ChannelPruning cp = ChannelPruning.of(net);
            // one group per pointwise->pointwise link, ranked by the BN after the depthwise conv; the last is kept
            assertEquals(List.of("cnn.1.1", "cnn.2.1", "cnn.3.1", "cnn.4.1", "cnn.5.1", "cnn.6.1", "cnn.7.1"),
                    cp.prunableLayers());
            silence(net, "cnn.4.1", new int[] {0, 5, 9, 17, 20, 31});
            NDArray x = TinyData.input(m, 2, 32, 4);
            float[] before = TinyData.forward(net, m, x);
            Block small = cp.keep("cnn.4.1", 26 / 32.0).prune(m);
            assertArrayEquals(before, TinyData.forward(small, m, x), 1e-5f);
            Map<String, Parameter> p = BlockTree.parameters(small);
            assertEquals(new Shape(26, 16, 1, 1), p.get("cnn.3.3.weight").getArray().getShape());
            assertEquals(new Shape(26, 1, 3, 3), p.get("cnn.4.0.weight").getArray().getShape());
            assertEquals(new Shape(64, 26, 1, 1), p.get("cnn.4.3.weight").getArray().getShape());

            Block half = ChannelPruning.of(net).keep(0.5).prune(m);
            assertEquals(20, TinyData.forward(half, m, x).length);
            assertEquals(new Shape(32, 1, 3, 3), BlockTree.parameters(half).get("cnn.7.0.weight").getArray().getShape());
            assertEquals(new Shape(64, 32, 1, 1), BlockTree.parameters(half).get("cnn.7.3.weight").getArray().getShape());
            Table c = ChannelPruning.complexity(net, half);
            assertTrue(c.doubleColumn("MACs").get(1) < 0.5 * c.doubleColumn("MACs").get(0), c.print());
        }
    }

    @Test
    void badKeepOrUnknownLayerIsNamed() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = TinyData.init(Task1Cnn.create(4, 16, 4), m, 16);
            ChannelPruning cp = ChannelPruning.of(net);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> cp.keep(0)).getMessage().contains("keep"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> cp.keep("features.1", 0.5));
            assertTrue(e.getMessage().contains("features.1") && e.getMessage().contains("features.0.1"), e.getMessage());
        }
    }
}
