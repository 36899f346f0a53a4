package labkit.train;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.loss.Loss;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import labkit.models.Task1Cnn;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FitTest {
    static NDManager data;
    static ArrayDataset train;
    static ArrayDataset val;

    @TempDir Path tmp;

    /** 4 classes of 16×16 images: the class decides which quadrant is bright; noise everywhere. */
    static ArrayDataset make(int n, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 3 * 16 * 16];
        float[] y = new float[n];
        for (int i = 0; i < n; i++) {
            int c = i % 4;
            y[i] = c;
            for (int ch = 0; ch < 3; ch++) {
                for (int h = 0; h < 16; h++) {
                    for (int w = 0; w < 16; w++) {
                        boolean on = (h < 8) == (c < 2) && (w < 8) == (c % 2 == 0);
                        x[((i * 3 + ch) * 16 + h) * 16 + w] = (on ? 0.8f : 0.2f) + 0.3f * (float) r.nextGaussian();
                    }
                }
            }
        }
        return new ArrayDataset.Builder()
                .setData(data.create(x, new Shape(n, 3, 16, 16)))
                .optLabels(data.create(y))
                .setSampling(8, false)
                .build();
    }

    @BeforeAll
    static void setUp() {
        data = NDManager.newBaseManager();
        train = make(40, 1);
        val = make(16, 2);
    }

    @AfterAll
    static void tearDown() {
        data.close();
    }

    static Fit.Builder settings(Block block) {
        return Fit.builder(block, Loss.softmaxCrossEntropyLoss())
                .optimizer(Adam.of(3e-3))
                .lrSchedule(LrSchedule.stepLR(2, 0.5))
                .clipGradNorm(5.0)
                .batchSize(8)
                .seed(7)
                .metric(new Accuracy())
                .progress(null);
    }

    static Block net() {
        return Task1Cnn.create(4, 16, 4); // conv+BN+dropout: BN statistics and dropout masks must resume too
    }

    static Map<String, float[]> weights(Fit fit) {
        Map<String, float[]> out = new java.util.LinkedHashMap<>();
        Checkpoints.weights(fit.model().getBlock()).forEach((k, v) -> out.put(k, v.toFloatArray()));
        return out;
    }

    @Test
    void resumedRunEqualsUninterruptedRun() {
        Map<String, float[]> straightWeights;
        History straight;
        try (Fit fit = settings(net()).epochs(3).checkpointDir(tmp.resolve("a")).build()) {
            straight = fit.fit(train, val);
            straightWeights = weights(fit);
        }
        // a session killed after epoch 1 (its checkpoint already written) ...
        try (Fit fit = settings(net()).epochs(3).checkpointDir(tmp.resolve("b"))
                .onEpochEnd(h -> {
                    if (h.size() == 1) {
                        throw new IllegalStateException("kernel died");
                    }
                }).build()) {
            assertThrows(IllegalStateException.class, () -> fit.fit(train, val));
        }
        // ... then the same cell run again in a fresh session: new model, new optimizer, same settings
        java.io.ByteArrayOutputStream log = new java.io.ByteArrayOutputStream();
        try (Fit fit = settings(net()).epochs(3).checkpointDir(tmp.resolve("b"))
                .progress(new java.io.PrintStream(log)).build()) {
            History resumed = fit.fit(train, val);
            assertTrue(log.toString().contains("resumed from"), log.toString());
            assertTrue(log.toString().contains("1 of 3 epochs done"), log.toString());
            assertEquals(3, resumed.size());
            for (String c : straight.columns()) {
                if (c.equals(History.SECONDS)) {
                    continue;
                }
                assertArrayEquals(straight.column(c).asDoubleArray(), resumed.column(c).asDoubleArray(), 1e-6, c);
            }
            Map<String, float[]> w = weights(fit);
            assertEquals(straightWeights.keySet(), w.keySet());
            straightWeights.forEach((k, v) -> assertArrayEquals(v, w.get(k), 1e-6f, k));
        }
        assertEquals(List.of(0.003, 0.003, 0.0015), List.of(straight.table().doubleColumn("lr").asObjectArray()));
    }

    @Test
    void historyHasColumnsAndRoundTripsThroughCsv() throws Exception {
        Path dir = tmp.resolve("run");
        try (Fit fit = settings(net()).epochs(2).name("cnn").checkpointDir(dir).keepCheckpoints(1).build()) {
            History h = fit.fit(train, val);
            assertEquals(List.of("train_loss", "train_accuracy", "val_loss", "val_accuracy", "lr", "seconds"), h.columns());
            assertEquals(2, h.size());
            assertEquals(List.of(1, 2), h.table().intColumn("epoch").asList());
            assertTrue(h.last("train_loss") < h.column("train_loss").get(0), "training loss should fall: " + h);
            for (double s : h.column("seconds").asDoubleArray()) {
                assertTrue(s > 0);
            }
            History back = History.readCsv(dir.resolve("history.csv"));
            assertEquals(h.columns(), back.columns());
            assertArrayEquals(h.column("val_accuracy").asDoubleArray(), back.column("val_accuracy").asDoubleArray(), 1e-12);
            assertEquals(2, h.plot().size()); // loss and accuracy charts
            assertTrue(h.plotLoss().asJavascript("div").contains("validation"));
        }
        // only the newest checkpoint is kept
        try (var s = Files.list(dir)) {
            assertEquals(List.of("epoch-0002", "history.csv"),
                    s.map(p -> p.getFileName().toString()).sorted().toList());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> History.readCsv(dir.resolve("missing.csv")));
        assertTrue(e.getMessage().contains("missing.csv"));
    }

    @Test
    void earlyStoppingStopsAndRestoresBestWeights() {
        Map<String, float[]> afterFirst = new java.util.HashMap<>();
        try (Fit one = settings(net()).epochs(1).build()) {
            one.fit(train, val);
            afterFirst.putAll(weights(one));
        }
        // minDelta so large that nothing after epoch 1 counts as an improvement: stops after 1 + patience epochs
        try (Fit fit = settings(net()).epochs(10)
                .earlyStopping(new EarlyStopping("val_loss", 1, 1e9, true, true)).build()) {
            fit.fit(train, val);
            assertTrue(fit.stoppedEarly());
            assertEquals(2, fit.history().size());
            Map<String, float[]> w = weights(fit);
            afterFirst.forEach((k, v) -> assertArrayEquals(v, w.get(k), 1e-6f, k));
        }
    }

    @Test
    void foreignCheckpointAndMissingValidationAreClearErrors() {
        Path dir = tmp.resolve("c");
        try (Fit fit = settings(net()).epochs(1).checkpointDir(dir).build()) {
            fit.fit(train, val);
        }
        try (Fit fit = settings(Task1Cnn.create(4, 16, 8)).epochs(2).checkpointDir(dir).build()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> fit.fit(train, val));
            assertTrue(e.getMessage().contains("different model") && e.getMessage().contains(dir.toString()), e.getMessage());
        }
        try (Fit fit = settings(net()).epochs(2).earlyStopping(EarlyStopping.onValLoss(1)).build()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> fit.fit(train));
            assertTrue(e.getMessage().contains("validation"), e.getMessage());
        }
    }

    @Test
    void seededSamplerIsAFunctionOfSeedAndEpoch() {
        SeededSampler s = new SeededSampler(3, true);
        List<Long> e0 = s.setEpoch(0).order(20);
        assertEquals(e0, new SeededSampler(3, true).setEpoch(0).order(20));
        assertNotEquals(e0, s.setEpoch(1).order(20));
        assertEquals(20, e0.stream().distinct().count());
        assertEquals(List.of(0L, 1L, 2L), new SeededSampler(3, false).order(3));
    }

    /** Every parameter as floats, by PyTorch-style name. */
    static Map<String, float[]> snapshot(Block block) {
        Map<String, float[]> out = new java.util.TreeMap<>();
        labkit.nn.BlockTree.parameters(block).forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        return out;
    }

    @Test
    void frozenBatchNormEpochsKeepRunningStatisticsAndTrainEveryWeight() {
        Block block = net();
        List<Map<String, float[]>> afterEpoch = new java.util.ArrayList<>();
        try (Fit fit = settings(block).epochs(3).freezeBatchNormLastEpochs(1)
                .onEpochEnd(h -> afterEpoch.add(snapshot(block))).build()) {
            assertFalse(fit.batchNormFrozen(1));
            assertTrue(fit.batchNormFrozen(2));
            fit.fit(train, val);
        }
        Map<String, float[]> e2 = afterEpoch.get(1);
        Map<String, float[]> e3 = afterEpoch.get(2);
        int stats = 0;
        int trained = 0;
        for (String k : e3.keySet()) {
            boolean same = java.util.Arrays.equals(e2.get(k), e3.get(k));
            if (k.endsWith("running_mean") || k.endsWith("running_var")) {
                stats++;
                assertTrue(same, k + " changed in the frozen epoch");
                assertFalse(java.util.Arrays.equals(afterEpoch.get(0).get(k), e2.get(k)),
                        k + " did not change in an ordinary epoch");
            } else {
                trained++;
                assertFalse(same, k + " was not trained in the frozen epoch");
            }
        }
        assertTrue(stats >= 2 && trained >= 6, "stats " + stats + ", trained " + trained);
    }

    @Test
    void aFrozenEpochComputesTheEvaluationLoss() {
        // with a negligible learning rate and no shuffling, a frozen epoch's training loss is the evaluation loss of
        // the same images; an ordinary epoch's is not (batch statistics and dropout)
        for (boolean frozen : new boolean[] {true, false}) {
            Block block = net();
            History h;
            try (Fit fit = Fit.builder(block, Loss.softmaxCrossEntropyLoss()).optimizer(Sgd.of(1e-12)).batchSize(8)
                    .seed(7).shuffle(false).epochs(1).freezeBatchNormLastEpochs(frozen ? 1 : 0).progress(null)
                    .build()) {
                h = fit.fit(train, train);
            }
            double trainLoss = h.table().doubleColumn(History.TRAIN_LOSS).get(0);
            double valLoss = h.table().doubleColumn(History.VAL_LOSS).get(0);
            if (frozen) {
                assertEquals(valLoss, trainLoss, 1e-5 * Math.abs(valLoss));
            } else {
                assertTrue(Math.abs(trainLoss - valLoss) > 1e-3, trainLoss + " vs " + valLoss);
            }
        }
    }

    @Test
    void freezingMoreEpochsThanTrainedIsAnError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> settings(net()).epochs(2).freezeBatchNormLastEpochs(3).build());
        assertTrue(e.getMessage().contains("freezeBatchNormLastEpochs(3)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> settings(net()).freezeBatchNormLastEpochs(-1));
    }

    @Test
    void closingTheFitFreesTheOptimizerStateOfAKeptModel() {
        try (ai.djl.Model model = ai.djl.Model.newInstance("kept")) {
            model.setBlock(net());
            Adam adam = Adam.of(1e-3);
            int params = labkit.nn.BlockTree.parameters(model.getBlock()).size();
            int during;
            try (Fit fit = Fit.builder(model, Loss.softmaxCrossEntropyLoss()).optimizer(adam).epochs(1).batchSize(8)
                    .progress(null).build()) {
                fit.fit(train);
                during = model.getNDManager().getManagedArrays().size();
            }
            int after = model.getNDManager().getManagedArrays().size();
            // Adam keeps two buffers per trained weight (the BN running statistics get none)
            assertTrue(during - after >= params, "freed " + (during - after) + " arrays for " + params + " parameters");
            assertEquals(0, adam.exportState(java.util.Map.of(), model.getNDManager()).size());
        }
    }
}
