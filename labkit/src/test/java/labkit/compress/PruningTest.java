package labkit.compress;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import java.util.LinkedHashMap;
import java.util.Map;
import labkit.models.Task1Cnn;
import labkit.train.Adam;
import labkit.train.Checkpoints;
import labkit.train.Fit;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

class PruningTest {
    static Map<String, float[]> snapshot(Block b) {
        Map<String, float[]> out = new LinkedHashMap<>();
        Checkpoints.weights(b).forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    @Test
    void layerwisePruningHitsTheTargetInEveryLayerAndZeroSparsityChangesNothing() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = TinyData.init(Task1Cnn.create(4, 16, 4), m, 16);
            Map<String, float[]> before = snapshot(net);
            MagnitudePruning none = MagnitudePruning.layerwise(net, 0);
            none.apply();
            none.remove();
            snapshot(net).forEach((k, v) -> assertArrayEquals(before.get(k), v, 0f, k));

            MagnitudePruning p = MagnitudePruning.layerwise(net, 0.6);
            Table t = p.sparsityTable();
            for (int r = 0; r < t.rowCount(); r++) {
                long n = t.longColumn("weights").get(r);
                long z = t.longColumn("zeros").get(r);
                assertEquals(Math.round(0.6 * n), z, t.stringColumn("layer").get(r)); // exact count, as l1_unstructured
            }
            // the weights pruned are the smallest ones: every kept |w| >= every pruned original |w|
            float[] w0 = before.get("features.0.0.weight");
            float[] w1 = snapshot(net).get("features.0.0.weight");
            float maxPruned = 0;
            float minKept = Float.MAX_VALUE;
            for (int i = 0; i < w0.length; i++) {
                if (w1[i] == 0) {
                    maxPruned = Math.max(maxPruned, Math.abs(w0[i]));
                } else {
                    minKept = Math.min(minKept, Math.abs(w0[i]));
                    assertEquals(w0[i], w1[i]);
                }
            }
            assertTrue(maxPruned <= minKept);
            // biases and BatchNorm untouched
            assertArrayEquals(before.get("features.0.1.weight"), snapshot(net).get("features.0.1.weight"));
            p.remove();
        }
    }

    @Test
    void globalPruningUsesOneThresholdAcrossLayers() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = TinyData.init(Task1Cnn.create(4, 16, 4), m, 16);
            MagnitudePruning p = MagnitudePruning.global(net, 0.7);
            Table t = p.sparsityTable();
            long total = t.longColumn("weights").get(t.rowCount() - 1);
            assertEquals(Math.round(0.7 * total), t.longColumn("zeros").get(t.rowCount() - 1));
            // different layers end with different sparsities
            double first = t.doubleColumn("sparsity").get(0);
            boolean differs = false;
            for (int r = 1; r < t.rowCount() - 1; r++) {
                differs |= Math.abs(t.doubleColumn("sparsity").get(r) - first) > 0.02;
            }
            assertTrue(differs, t.print());
            p.remove();
        }
    }

    @Test
    void masksHoldThroughFineTuningAndGradualScheduleRises() {
        try (NDManager data = NDManager.newBaseManager(); Model model = Model.newInstance("p")) {
            ArrayDataset train = TinyData.make(data, 24, 16, 3);
            model.setBlock(Task1Cnn.create(4, 16, 4));
            TinyData.init(model.getBlock(), model.getNDManager(), 16);
            MagnitudePruning p = MagnitudePruning.builder().global(true)
                    .schedule(PruningSchedule.polynomialDecay(0.3, 0.75, 0, 2)).build(model.getBlock());
            assertEquals(0.3, p.targetSparsity(), 1e-12);
            double[] seen = new double[3];
            try (Fit fit = p.attach(Fit.builder(model, Loss.softmaxCrossEntropyLoss()).optimizer(Adam.of(1e-2))
                    .epochs(3).batchSize(8).progress(null)
                    .onEpochEnd(h -> seen[h.size() - 1] = Sparsity.overall(model.getBlock()))).build()) {
                Map<String, float[]> start = snapshot(model.getBlock());
                fit.fit(train);
                assertFalse(java.util.Arrays.equals(start.get("classifier.4.bias"), snapshot(model.getBlock()).get("classifier.4.bias")),
                        "the network did not train");
            }
            assertEquals(0.3, seen[0], 0.002);
            assertEquals(0.75, seen[2], 0.002);
            assertTrue(seen[1] > 0.3 && seen[1] < 0.75);
            // every masked weight is still exactly zero after Adam's steps (momentum would move it otherwise)
            for (Map.Entry<String, NDArray> e : p.masks().entrySet()) {
                float[] mask = e.getValue().toFloatArray();
                float[] w = Checkpoints.weights(model.getBlock()).get(e.getKey() + ".weight").toFloatArray();
                for (int i = 0; i < w.length; i++) {
                    if (mask[i] == 0) {
                        assertTrue(w[i] == 0f, e.getKey()); // 0.0 or -0.0
                    }
                }
            }
            p.remove();
            assertEquals(0.75, Sparsity.overall(model.getBlock()), 0.002);
            assertTrue(Sparsity.nonZeroParameters(model.getBlock()) < labkit.nn.BlockTree.countParameters(model.getBlock()));
        }
    }

    @Test
    void scheduleFollowsZhuAndGupta() {
        PruningSchedule s = PruningSchedule.polynomialDecay(0.1, 0.9, 2, 6);
        assertEquals(0, s.sparsity(0));
        assertEquals(0.1, s.sparsity(2), 1e-12);
        assertEquals(0.9 + (0.1 - 0.9) * Math.pow(0.5, 3), s.sparsity(4), 1e-12);
        assertEquals(0.9, s.sparsity(6), 1e-12);
        assertEquals(0.9, s.sparsity(10), 1e-12);
    }

    @Test
    void badSparsityOrUnknownLayerIsNamed() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = TinyData.init(Task1Cnn.create(4, 16, 4), m, 16);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> MagnitudePruning.layerwise(net, 1.0))
                    .getMessage().contains("sparsity must be in [0, 1)"));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> MagnitudePruning.global(net, -0.1))
                    .getMessage().contains("sparsity"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> MagnitudePruning.builder().layers("features.9.0").sparsity(0.5).build(net));
            assertTrue(e.getMessage().contains("features.9.0") && e.getMessage().contains("features.0.0"), e.getMessage());
        }
    }
}
