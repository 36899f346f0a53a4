package labkit.tasks;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import labkit.data.ImageFolderDataset;
import labkit.data.synthetic.ShapesDataset;
import labkit.quant.QParams;
import labkit.quant.QScheme;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

class Task5Test {
    @TempDir Path tmp;

    static Set<Path> paths(ImageFolderDataset d) {
        Set<Path> s = new HashSet<>();
        d.samples().forEach(x -> s.add(x.path()));
        return s;
    }

    @Test
    void splitsTrainsAndQuantizesWithThreeSchemes() {
        Path root = tmp.resolve("shapes");
        ShapesDataset.write(root, 3, Task1.IMAGE_SIZE, 7);
        Task5.Data data = Task5.offlineData(root, 20, 1);
        assertEquals(10, data.calibrationDataset().size());
        assertEquals(10, data.validationDataset().size());
        assertEquals(10, data.train().size());
        Set<Path> cal = paths(data.calibrationDataset());
        Set<Path> val = paths(data.validationDataset());
        Set<Path> train = paths(data.train());
        assertEquals(10, cal.size());
        assertTrue(cal.stream().noneMatch(val::contains), "calibration and validation are disjoint");
        assertTrue(train.stream().noneMatch(p -> cal.contains(p) || val.contains(p)), "training is disjoint from both");

        try (Task5.FloatModel fp32 = Task5.train(data, 1, 0, null)) {
            assertEquals(1, fp32.history().size());
            // 10 calibration images in batches of 4 (4, 4, 2): the moving average sees three updates
            Task5.Study study = Task5.quantize(fp32, data, Task5.configs(), tmp.resolve("work"), 4);
            assertEquals(4, study.calibrationBatchSize());
            assertTrue(study.results().name().contains("batches of 4"), study.results().name());

            String dw = "features.1.conv.0.0.0"; // first depthwise conv (ConvBnAct fused to ConvAct: conv at .0)
            QParams a = study.scheme(Task5.PER_CHANNEL_MINMAX).weights().get(dw);
            QParams b = study.scheme(Task5.PER_TENSOR_MINMAX).weights().get(dw);
            QParams c = study.scheme(Task5.MOVING_AVERAGE).weights().get(dw);
            assertEquals(QScheme.PER_CHANNEL_SYMMETRIC, a.qscheme());
            assertEquals(16, a.scale().length, "one scale per output channel of a width-0.5 first block");
            assertEquals(QScheme.PER_TENSOR_SYMMETRIC, b.qscheme());
            assertEquals(1, b.scale().length);
            assertEquals(QScheme.PER_CHANNEL_SYMMETRIC, c.qscheme());
            // weights are observed once, and a moving average's first observation is plain min/max
            assertArrayEquals(a.scale(), c.scale());
            // the per-tensor scale is the widest channel's scale
            float maxA = 0;
            for (float s : a.scale()) {
                maxA = Math.max(maxA, s);
            }
            assertEquals(maxA, b.scale()[0], 1e-6f * maxA);
            // activations: per-tensor in every scheme; MinMax and MovingAverage differ after several batches
            assertEquals(1, study.scheme(Task5.MOVING_AVERAGE).activations().get("quant").scale().length);
            assertEquals(QScheme.PER_TENSOR_AFFINE, study.scheme(Task5.MOVING_AVERAGE).activations().get("quant").qscheme());
            long differ = study.scheme(Task5.MOVING_AVERAGE).activations().entrySet().stream()
                    .filter(e -> !e.getValue().equals(study.scheme(Task5.PER_CHANNEL_MINMAX).activations().get(e.getKey())))
                    .count();
            assertTrue(differ > study.scheme(Task5.MOVING_AVERAGE).activations().size() / 2,
                    differ + " activation qparams differ between MovingAverage and MinMax");
            assertThrows(IllegalArgumentException.class,
                    () -> Task5.quantize(fp32, data, Task5.configs(), tmp.resolve("work"), 0));

            Table t = study.results();
            assertEquals(List.of("model", "accuracy_%", "vs_fp32_points", "size_MB", "size_vs_fp32_%",
                    "agrees_with_fp32_%", "logit_SQNR_dB", "weight_SQNR_dB_median"), t.columnNames());
            // closeness to fp32: per-channel rounding never loses to one scale per tensor in a layer (beyond
            // rounding luck) and wins on the median layer
            Task5.Result pc = study.scheme(Task5.PER_CHANNEL_MINMAX);
            Task5.Result pt = study.scheme(Task5.PER_TENSOR_MINMAX);
            assertEquals(pc.weights().keySet(), pc.weightSqnrDb().keySet());
            for (String layer : pc.weightSqnrDb().keySet()) {
                assertTrue(pc.weightSqnrDb().get(layer) >= pt.weightSqnrDb().get(layer) - 0.5,
                        layer + ": per-channel " + pc.weightSqnrDb().get(layer) + " dB vs per-tensor "
                                + pt.weightSqnrDb().get(layer));
                assertTrue(pc.weightSqnrDb().get(layer) > 20, layer + " " + pc.weightSqnrDb().get(layer));
            }
            assertTrue(pc.medianWeightSqnrDb() > pt.medianWeightSqnrDb() + 1, pc.medianWeightSqnrDb() + " vs "
                    + pt.medianWeightSqnrDb());
            for (Task5.Result r : study.schemes()) {
                assertTrue(r.agreement() >= 0 && r.agreement() <= 1);
                assertTrue(r.logitSqnrDb() > 5 && r.logitSqnrDb() < 99, r.scheme() + " logit SQNR " + r.logitSqnrDb());
            }
            Table ws = study.weightSqnr();
            assertEquals(pc.weightSqnrDb().size(), ws.rowCount());
            assertEquals(1 + study.schemes().size(), ws.columnCount());
            assertTrue(study.weightSqnrChart().asJavascript("d").contains("SQNR"));
            assertTrue(study.verdict().contains("Closest to the float model"), study.verdict());
            assertEquals(4, t.rowCount());
            assertEquals(List.of(Task5.FP32, Task5.PER_CHANNEL_MINMAX, Task5.PER_TENSOR_MINMAX, Task5.MOVING_AVERAGE),
                    t.stringColumn("model").asList());
            for (Task5.Result r : study.schemes()) {
                assertTrue(r.int8Bytes() < study.fp32Bytes() / 2, r.scheme() + ": " + r.int8Bytes() + " vs fp32 "
                        + study.fp32Bytes());
                assertTrue(r.accuracy() >= 0 && r.accuracy() <= 1);
            }
            Table spread = study.channelSpread();
            assertTrue(spread.doubleColumn("widest/narrowest").get(0) >= 1);
            assertTrue(study.verdict().startsWith("fp32 "), study.verdict());
            String js = study.weightScalesChart(dw).asJavascript("d");
            assertTrue(js.contains(Task5.PER_TENSOR_MINMAX), js);
            assertTrue(study.activationChart(List.of("quant", "features.0.0"), true).asJavascript("d")
                    .contains("zero point"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> study.weightScalesChart("nope"));
            assertTrue(e.getMessage().contains("features.1.conv.0.0.0"), e.getMessage());
        }
    }

    @Test
    void sqnrAndAgreementAreTheTextbookDefinitions() {
        float[] ref = {3, -4, 0, 0};
        assertEquals(99, Task5.sqnrDb(ref, ref.clone()), 0);
        // signal 25, noise 0.25: 20 dB
        assertEquals(20, Task5.sqnrDb(ref, new float[] {3.5f, -4, 0, 0}), 1e-9);
        Task5.Scores a = new Task5.Scores(0.5, new long[] {1, 2, 3, 4}, ref);
        Task5.Scores b = new Task5.Scores(0.5, new long[] {1, 2, 0, 4}, ref);
        assertEquals(0.75, b.agreement(a), 0);
    }

    @Test
    void clearErrors() {
        Path root = tmp.resolve("s");
        ShapesDataset.write(root, 1, Task1.IMAGE_SIZE, 7);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Task5.offlineData(root, 10, 0));
        assertTrue(e.getMessage().contains("samples"), e.getMessage());
    }
}
