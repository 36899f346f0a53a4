package labkit.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;
import labkit.data.synthetic.DepthScenes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/** A tiny end-to-end study: the plumbing (runs, histories, test scores, table, chart, samples), not the learning. */
class DepthProjectTest {

    @Test
    void tinyStudyRunsEndToEnd(@TempDir Path dir) {
        Path data = DepthScenes.builder().trainScenes(2).framesPerScene(2).testImages(2).size(64, 48).seed(1)
                .write(dir.resolve("nyu"));
        try (DepthProject.Results r = DepthProject.study(data).lrs(1e-3).epochs(1).batchSize(2)
                .imageSize(64).model(16, 1).trainImages(4).valFraction(0.25).progress(false).build().run()) {
            assertEquals(List.of("lr 1e-03", "lr 1e-03 + augmentation"), r.runs());
            Table t = r.summary();
            assertEquals(2, t.rowCount());
            for (String run : r.runs()) {
                double[] s = r.testScores(run);
                assertTrue(Double.isFinite(s[0]) && s[0] >= 0, "test MSE " + s[0]);
                assertTrue(s[1] > -1 && s[1] <= 1, "test SSIM " + s[1]);
                assertEquals(1, r.histories().get(run).size());
            }
            assertTrue(r.histories().get("lr 1e-03").columns().contains("val_ssim"));
            BufferedImage samples = r.samples(2);
            assertTrue(samples.getWidth() > 0 && samples.getHeight() > 0);
            assertTrue(r.chart("loss") != null);
        }
    }
}
