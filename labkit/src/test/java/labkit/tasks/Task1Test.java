package labkit.tasks;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Record;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import labkit.data.ImageFolderDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Task1Test {
    @TempDir Path tmp;

    @Test
    void endToEndDatasetAugmentationAndProbabilities() throws Exception {
        Path root = Task1.syntheticData(tmp.resolve("shapes"), 3, 5);
        ImageFolderDataset raw = Task1.dataset(root);
        assertEquals(10, raw.classes().size());
        assertEquals(30, raw.size());
        ImageFolderDataset train = raw.withTransform(Task1.trainTransform(1));
        try (NDManager m = NDManager.newBaseManager(); Model model = Task1.cnn(10)) {
            Record r = train.get(m, 0);
            NDArray x = r.getData().head();
            assertEquals(new Shape(3, 32, 32), x.getShape());
            assertEquals(DataType.FLOAT32, x.getDataType());
            // same seed, same augmented tensor; another seed, another one
            NDArray a = raw.withTransform(Task1.trainTransform(7)).get(m, 3).getData().head();
            NDArray b = raw.withTransform(Task1.trainTransform(7)).get(m, 3).getData().head();
            NDArray c = raw.withTransform(Task1.trainTransform(8)).get(m, 3).getData().head();
            assertArrayEquals(a.toFloatArray(), b.toFloatArray());
            assertFalse(java.util.Arrays.equals(a.toFloatArray(), c.toFloatArray()));

            NDArray image = raw.get(m, 5).getData().head();
            Classifications p = Task1.predict(model, image, raw.classes());
            double[] probs = Task1.probabilities(p);
            assertEquals(10, probs.length);
            assertEquals(1.0, java.util.Arrays.stream(probs).sum(), 1e-5);
            for (double v : probs) {
                assertTrue(v > 0 && v < 1, "probability out of (0,1): " + v);
            }
            assertEquals(raw.classes(), p.getClassNames());
            assertTrue(Task1.parameterCount(model) > 100_000);
            assertThrows(IllegalArgumentException.class, () -> Task1.predict(model, image, raw.classes().subList(0, 3)));
        }
    }

    @Test
    void augmentationGridHasOneRowPerImage() {
        Path root = Task1.syntheticData(tmp.resolve("g"), 2, 1);
        BufferedImage grid = Task1.augmentationGrid(Task1.dataset(root), 3, 2, 0);
        // 1 original + 4 single steps + 2 random versions = 7 columns of 80 px cells (+4 px padding)
        assertEquals(7 * 84 + 4, grid.getWidth());
        BufferedImage again = Task1.augmentationGrid(Task1.dataset(root), 3, 2, 0);
        assertEquals(grid.getRGB(100, 60), again.getRGB(100, 60));
        assertThrows(IllegalArgumentException.class,
                () -> Task1.augmentationGrid(Task1.dataset(root).withTransform(Task1.evalTransform()), 1, 1, 0));
    }
}
