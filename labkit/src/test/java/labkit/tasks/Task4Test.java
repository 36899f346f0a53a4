package labkit.tasks;

import static labkit.TestFixtures.floats;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import labkit.TestFixtures;
import labkit.data.SuperResolutionDataset;
import labkit.train.History;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

class Task4Test {
    @TempDir Path tmp;

    @Test
    void bicubicBaselineAndPsnrEqualPyTorch() {
        JsonObject f = TestFixtures.section("segsr/task34.json", "bicubic");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray lr = m.create(floats(f.get("lr")), new Shape(1, 8, 10));
            NDArray hr = m.create(floats(f.get("hr")), new Shape(1, 24, 30));
            NDArray up = Task4.bicubic(lr, 3);
            assertEquals(new Shape(1, 24, 30), up.getShape());
            assertEquals(DataType.FLOAT32, up.getDataType());
            float diff = up.sub(m.create(floats(f.get("up")), new Shape(1, 24, 30))).abs().max().getFloat();
            assertTrue(diff < 1e-5f, "OpenCV INTER_CUBIC vs torch bicubic: max |diff| " + diff);
            assertEquals(f.get("psnr").getAsDouble(), Task4.psnr(up.clip(0f, 1f), hr), 1e-3);
            assertThrows(IllegalArgumentException.class, () -> Task4.bicubic(m.zeros(new Shape(3, 8, 8)), 3));
        }
    }

    @Test
    void pictures() {
        Path folder = Task4.syntheticData(tmp.resolve("sr"), 3, 1);
        assertEquals(3, Task4.files(folder).size());
        BufferedImage g = Task4.degradationGrid(folder, 2, 0);
        assertEquals(6 * 132 + 4, g.getWidth());
        BufferedImage again = Task4.degradationGrid(folder, 2, 0);
        assertEquals(g.getRGB(200, 100), again.getRGB(200, 100));
        assertEquals(3 * 116 + 4, Task4.pairGrid(Task4.trainSet(folder, 1, 24, 2), 2).getWidth());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Task4.trainSet(folder, 3));
        assertTrue(e.getMessage().contains("heldOut"), e.getMessage());
    }

    @Test
    void shortTrainingLowersTheLossAndReportsPsnr() throws Exception {
        Path folder = Task4.syntheticData(tmp.resolve("t"), 5, 2);
        // the first version's recipe keeps one fixed patch per image, so its training loss must fall
        Task4.Recipe fixed = Task4.legacy().patch(24).batch(4);
        SuperResolutionDataset train = Task4.trainSet(folder, 1, fixed);
        SuperResolutionDataset heldOut = Task4.heldOutSet(folder, 1);
        try (Model model = Task4.model(); NDManager m = NDManager.newBaseManager()) {
            History h = Task4.train(model, train, heldOut, 3, 11, fixed);
            assertEquals(3, h.size());
            assertTrue(h.last(History.TRAIN_LOSS) < h.column(History.TRAIN_LOSS).get(0), "training loss should go down: " + h);
            // a cosine schedule through Task4.train (the recipe's rate and schedule reach Fit)
            Task4.Recipe cosine = fixed.cosine(true);
            SuperResolutionDataset many = Task4.trainSet(folder, 1, cosine);
            assertEquals(4L, many.size());
            try (Model other = Task4.model()) {
                History r = Task4.train(other, many, heldOut, 2, 11, cosine);
                assertEquals(cosine.lr() * 0.01 + (cosine.lr() - cosine.lr() * 0.01) / 2,
                        r.column("lr").get(1), 1e-9, "cosine over 2 epochs: half way down in epoch 2");
                assertTrue(Double.isFinite(r.last(History.TRAIN_LOSS)) && r.last(History.TRAIN_LOSS) < 0.2, r.toString());
            }

            Table p = Task4.psnrTable(model, heldOut);
            assertEquals(2, p.rowCount());
            double bic = p.doubleColumn("bicubic PSNR (dB)").get(0);
            double sr = p.doubleColumn("SR net PSNR (dB)").get(0);
            assertTrue(bic > 15 && bic < 60 && Double.isFinite(sr), p.print());
            assertEquals(sr - bic, p.doubleColumn("gain (dB)").get(0), 1e-9);
            // the baseline is the held-out image's own bicubic PSNR
            var r = heldOut.get(m, 0);
            NDArray lr = r.getData().head();
            assertEquals(new Shape(1, 32, 32), lr.getShape());
            assertEquals(Task4.psnr(Task4.bicubic(lr, 3).clip(0f, 1f), r.getLabels().head()), bic, 1e-9);

            SuperResolutionDataset.Pair pair = heldOut.pair(m, 0);
            NDArray rgb = Task4.superResolveRgb(model, pair.lr());
            assertEquals(new Shape(96, 96, 3), rgb.getShape());
            assertEquals(DataType.UINT8, rgb.getDataType());
            assertEquals(4 * 132 + 4, Task4.comparisonGrid(model, heldOut, 1).getWidth());
        }
    }
}
