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
            String text = DepthCompression.analysis(t);
            assertTrue(text.contains("no conv → ReLU → conv pairs"), text);
        }
    }
}
