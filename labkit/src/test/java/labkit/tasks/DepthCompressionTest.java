package labkit.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import labkit.data.synthetic.DepthScenes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

class DepthCompressionTest {
    @Test
    void tinyCompressionTableHasEveryRow(@TempDir Path dir) {
        Path data = DepthScenes.builder().trainScenes(2).framesPerScene(2).testImages(2).size(64, 48).seed(1)
                .write(dir.resolve("nyu"));
        try (DepthProject.Results r = DepthProject.study(data).lrs(1e-3).epochs(1).batchSize(2).imageSize(64)
                .model(8, 1).augmentationRun(false).trainImages(4).testImages(2).progress(false).build().run()) {
            Table t = r.compression(r.bestRun()).calibrationBatches(1).qatEpochs(1).qatTrainImages(2)
                    .latencyRuns(1).progress(false).workDir(dir.resolve("files")).run();
            assertEquals(11, t.rowCount());
            assertTrue(t.name().contains("fbgemm observers"), t.name());
            assertEquals("original", t.stringColumn("model").get(0));
            // folding BN is exact up to float rounding
            assertEquals(t.doubleColumn("test_ssim").get(0), t.doubleColumn("test_ssim").get(1), 1e-3);
            // SiLU network: CLE finds no ReLU pairs
            assertEquals(0, (int) t.intColumn("cle_pairs").sum());
            double fp32 = t.doubleColumn("file_mb").get(0);
            for (int i = 2; i < 11; i++) {
                double mb = t.doubleColumn("file_mb").get(i);
                assertTrue(mb < 0.5 * fp32, t.stringColumn("model").get(i) + ": " + mb + " MB vs fp32 " + fp32);
                assertTrue(Double.isFinite(t.doubleColumn("test_ssim").get(i)), t.stringColumn("model").get(i));
            }
            // PTQ rows say how wide their widest activation range is against the median observer's
            for (int i = 0; i < 11; i++) {
                String row = t.stringColumn("model").get(i);
                boolean ptq = row.contains("PTQ") && !row.contains("QAT");
                assertEquals(ptq, !t.doubleColumn(DepthCompression.ACT_RANGE).isMissing(i), row);
                if (ptq) {
                    assertTrue(t.doubleColumn(DepthCompression.ACT_RANGE).get(i) >= 1, row);
                    assertTrue(!t.stringColumn("widest_activation").get(i).isEmpty(), row);
                }
            }
            // every row is exported and timed on ONNX Runtime; the int8 files hold int8 weights
            double onnxFp32 = t.doubleColumn(DepthCompression.ONNX_MB).get(0);
            for (int i = 0; i < 11; i++) {
                String row = t.stringColumn("model").get(i);
                assertTrue(t.doubleColumn(DepthCompression.ORT_LATENCY).get(i) > 0, row);
                if (i >= 2) {
                    double mb = t.doubleColumn(DepthCompression.ONNX_MB).get(i);
                    assertTrue(mb < 0.5 * onnxFp32, row + ": ONNX " + mb + " MB vs fp32 " + onnxFp32);
                }
            }
            String text = DepthCompression.analysis(t);
            assertTrue(text.contains("no conv → ReLU → conv pairs"), text);
            assertTrue(text.contains("Exported and run on ONNX Runtime"), text);
        }
    }

    @Test
    void backendChoosesTheActivationRange() {
        // fbgemm (and x86) keep 7 bits of every activation, onednn all 8; weights follow the row, not the backend
        for (String backend : new String[] {"fbgemm", "x86", "onednn"}) {
            int top = "onednn".equals(backend) ? 255 : 127;
            assertEquals(top, labkit.quant.QConfig.of(backend).activation().get().quantMax(), backend);
            assertEquals(top, DepthCompression.perTensor(backend).activation().get().quantMax(), backend);
            assertEquals(top, DepthCompression.qat(backend).activation().get().quantMax(), backend);
            assertEquals(top, DepthCompression.perTensorQat(backend).activation().get().quantMax(), backend);
            assertEquals(labkit.quant.QScheme.PER_CHANNEL_SYMMETRIC,
                    DepthCompression.qat(backend).weight().get().qscheme(), backend);
            assertEquals(labkit.quant.QScheme.PER_TENSOR_SYMMETRIC,
                    DepthCompression.perTensor(backend).weight().get().qscheme(), backend);
        }
    }

    @Test
    void unknownBackendIsAClearError() {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> backendOf("qnnpack"));
        assertTrue(e.getMessage().contains("qnnpack has no per-channel weights"), e.getMessage());
    }

    private static void backendOf(String name) {
        DepthCompression.checkBackend(name);
    }

    /** A table shaped like run()'s, with the given test SSIM per row (the session-3 numbers are the first case). */
    static Table table(double... ssim) {
        String[] rows = {"original", "BN-fused", "per-channel PTQ", "BN-fused + per-channel PTQ",
            "BN-fused + CLE + per-channel PTQ (no ReLU pairs: = row above)", "per-tensor PTQ",
            "BN-fused + per-tensor PTQ", "BN-fused + CLE + per-tensor PTQ (no ReLU pairs: = row above)",
            "per-channel PTQ + QAT", "per-channel QAT", "per-tensor QAT"};
        tech.tablesaw.api.StringColumn model = tech.tablesaw.api.StringColumn.create("model", rows);
        tech.tablesaw.api.DoubleColumn s = tech.tablesaw.api.DoubleColumn.create("test_ssim", ssim);
        double[] ones = new double[rows.length];
        java.util.Arrays.fill(ones, 1);
        return Table.create("t", model, tech.tablesaw.api.IntColumn.create("cle_pairs", new int[rows.length]),
                tech.tablesaw.api.DoubleColumn.create("test_mse", ones), s,
                tech.tablesaw.api.DoubleColumn.create(DepthCompression.LATENCY, ones),
                tech.tablesaw.api.DoubleColumn.create("file_mb", ones),
                tech.tablesaw.api.DoubleColumn.create(DepthCompression.ACT_RANGE, ones).set(
                        tech.tablesaw.api.DoubleColumn.create(DepthCompression.ACT_RANGE, ones).isEqualTo(1), 200.0),
                tech.tablesaw.api.StringColumn.create("widest_activation", java.util.Collections.nCopies(rows.length,
                        "net.features.6.3.block.2.fc1")));
    }

    @Test
    void analysisReadsTheBarsFromTheTable() {
        // fbgemm run of session 3: per-channel PTQ within the bar, unfused even closer, QAT above float
        String ok = DepthCompression.analysis(table(0.58788, 0.58788, 0.5872, 0.58081, 0.58081, 0.58699, 0.57624,
                0.57624, 0.59074, 0.59126, 0.58837));
        assertTrue(ok.contains("Per-channel PTQ on the fused model loses 0.0071 SSIM (within the 0.01 bar)"), ok);
        assertTrue(ok.contains("without fusion it loses 0.0007 (no worse here"), ok);
        assertTrue(ok.contains("0.0034 SSIM above float, within the 0.005 bar"), ok);
        assertTrue(!ok.contains("Why:"), ok);
        // onednn run: PTQ above float is a gain, not a negative loss
        String gain = DepthCompression.analysis(table(0.58788, 0.58788, 0.58812, 0.59026, 0.59026, 0.58608, 0.58803,
                0.58803, 0.59674, 0.6019, 0.5966));
        assertTrue(gain.contains("fused model gains 0.0024 SSIM (within"), gain);
        assertTrue(!gain.contains("-0."), gain);
        // session 2's model without the frozen-BN epoch: outside the bar, the analysis says why and what helps
        String bad = DepthCompression.analysis(table(0.5759, 0.5759, 0.0669, 0.1909, 0.1909, 0.0644, 0.1907,
                0.1907, 0.1001, 0.5813, 0.5787));
        assertTrue(bad.contains("loses 0.3850 SSIM (outside the 0.01 bar)"), bad);
        assertTrue(bad.contains("Why: the widest calibrated activation range (net.features.6.3.block.2.fc1) is 200×"),
                bad);
        assertTrue(bad.contains("freezeBatchNormEpochs"), bad);
        // a loss over the bar without outlying ranges is blamed on rounding, not outliers
        Table t = table(0.58788, 0.58788, 0.57, 0.57, 0.57, 0.56, 0.56, 0.56, 0.59, 0.59, 0.59);
        t.doubleColumn(DepthCompression.ACT_RANGE).set(t.doubleColumn(DepthCompression.ACT_RANGE).isNotMissing(), 4.4);
        String rounding = DepthCompression.analysis(t);
        assertTrue(rounding.contains("No activation range stands out (the widest is 4.4×"), rounding);
        assertTrue(!rounding.contains("Why:"), rounding);
    }
}
