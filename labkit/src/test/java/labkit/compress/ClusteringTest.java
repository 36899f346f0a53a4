package labkit.compress;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import labkit.models.Task1Cnn;
import labkit.train.Adam;
import labkit.train.Checkpoints;
import labkit.train.Fit;
import labkit.weights.StateDict;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

class ClusteringTest {
    @TempDir Path tmp;

    static void assertAtMostK(WeightClustering c) {
        Table t = c.distinctValues();
        for (int r = 0; r < t.rowCount(); r++) {
            assertTrue(t.intColumn("distinct_values").get(r) <= c.clusters(), t.print());
        }
    }

    @Test
    void everyLayerKeepsAtMostKValuesThroughFineTuning() {
        try (NDManager data = NDManager.newBaseManager(); Model model = Model.newInstance("c")) {
            ArrayDataset train = TinyData.make(data, 24, 16, 5);
            model.setBlock(Task1Cnn.create(4, 16, 4));
            TinyData.init(model.getBlock(), model.getNDManager(), 16);
            WeightClustering c = WeightClustering.of(model.getBlock(), 8);
            assertAtMostK(c);
            float[] c0 = c.centroids("classifier.1");
            try (Fit fit = c.attach(Fit.builder(model, Loss.softmaxCrossEntropyLoss()).optimizer(Adam.of(1e-2))
                    .epochs(2).batchSize(8).progress(null)).build()) {
                fit.fit(train);
            }
            assertAtMostK(c);
            assertFalse(java.util.Arrays.equals(c0, c.centroids("classifier.1")), "centroids did not train");
            // the assignment is fixed: weights equal the centroid of their cluster
            float[] w = Checkpoints.weights(model.getBlock()).get("classifier.1.weight").toFloatArray();
            int[] a = c.assignments("classifier.1");
            float[] cent = c.centroids("classifier.1");
            for (int i = 0; i < w.length; i++) {
                assertEquals(cent[a[i]], w[i]);
            }
        }
    }

    @Test
    void kMeansPlusPlusAlsoGivesKValuesAndLinearInitSpansTheRange() {
        float[] x = {-1f, -0.9f, 0f, 0.1f, 0.95f, 1f};
        assertArrayEquals(new float[] {-1f, 0f, 1f}, KMeans1d.linear(x, 3), 1e-7f);
        float[] c = KMeans1d.fit(x, KMeans1d.linear(x, 3), 50);
        assertArrayEquals(new float[] {-0.95f, 0.05f, 0.975f}, c, 1e-6f);
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = TinyData.init(Task1Cnn.create(4, 16, 4), m, 16);
            WeightClustering pp = WeightClustering.builder().clusters(4)
                    .init(WeightClustering.CentroidInit.KMEANS_PLUS_PLUS).seed(3).build(net);
            assertAtMostK(pp);
        }
    }

    @Test
    void compactFileRoundTripsExactlyAndIsSmallerThanTheFp32File() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = TinyData.init(Task1Cnn.create(4, 16, 8), m, 16);
            WeightClustering.of(net, 16);
            NDArray x = TinyData.input(m, 2, 16, 9);
            float[] y = TinyData.forward(net, m, x);
            Path file = tmp.resolve("model.lkc");
            long size = ClusteredModelFile.write(net, file);
            Path pth = tmp.resolve("model.pth");
            StateDict.of(net).write(pth);
            assertTrue(size * 3 < Files.size(pth), size + " vs " + Files.size(pth));

            Block copy = TinyData.init(Task1Cnn.create(4, 16, 8), m, 16);
            ClusteredModelFile.read(file, copy);
            Map<String, NDArray> a = Checkpoints.weights(net);
            Map<String, NDArray> b = Checkpoints.weights(copy);
            a.forEach((k, v) -> assertArrayEquals(v.toFloatArray(), b.get(k).toFloatArray(), 0f, k));
            assertArrayEquals(y, TinyData.forward(copy, m, x), 0f);

            Block other = TinyData.init(Task1Cnn.create(4, 16, 4), m, 16);
            assertThrows(IllegalArgumentException.class, () -> ClusteredModelFile.read(file, other));
            Files.writeString(tmp.resolve("bad.lkc"), "not a model");
            assertThrows(java.io.IOException.class, () -> ClusteredModelFile.read(tmp.resolve("bad.lkc"), copy));
        }
    }

    @Test
    void kBelowTwoOrUnknownLayerIsNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> WeightClustering.builder().clusters(1))
                .getMessage().contains("clusters (k) must be >= 2"));
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = TinyData.init(Task1Cnn.create(4, 16, 4), m, 16);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> WeightClustering.builder().layers("fc").build(net));
            assertTrue(e.getMessage().contains("'fc'") || e.getMessage().contains("[fc]"), e.getMessage());
        }
    }
}
