package labkit.tasks;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.translate.Transform;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import labkit.data.ImageFolderDataset;
import labkit.data.synthetic.ShapesDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

class Task2Test {
    @TempDir Path tmp;

    /** H×W×3 uint8 → 3×H×W float in [0, 1] (stand-in for labkit.augment.ToTensor in this test). */
    static final Transform TO_TENSOR = x -> x.toType(DataType.FLOAT32, false).div(255f).transpose(2, 0, 1);

    /** Random horizontal flip with its own seeded generator, then TO_TENSOR. */
    static final class FlipThenTensor implements Transform {
        Random rng = new Random(0);

        @Override
        public NDArray transform(NDArray x) {
            NDArray t = TO_TENSOR.transform(x);
            return rng.nextBoolean() ? t.flip(2) : t;
        }
    }

    @Test
    void comparesTwoRunsOnTheSameData() {
        ShapesDataset.write(tmp.resolve("shapes"), 3, 16, 5);
        ImageFolderDataset ds = ImageFolderDataset.builder().root(tmp.resolve("shapes")).build();
        FlipThenTensor flip = new FlipThenTensor();
        Task2.Comparison c = Task2.augmentationStudy(ds)
                .augmentation(flip).reseedEachEpoch(e -> flip.rng = new Random(100 + e))
                .plain(TO_TENSOR).epochs(2).batchSize(8).width(4).seed(3).progress(false)
                .build().run();
        assertEquals(List.of(Task2.WITHOUT, Task2.WITH), List.copyOf(c.histories().keySet()));
        assertEquals(2, c.withAugmentation().size());
        assertEquals(c.withAugmentation().columns(), c.withoutAugmentation().columns());
        // same initial weights and batch order: only the augmentation differs, so the losses differ
        assertNotEquals(c.withAugmentation().last("train_loss"), c.withoutAugmentation().last("train_loss"));
        Table t = c.summary();
        assertEquals(2, t.rowCount());
        assertEquals(List.of("run", "epochs", "train_loss", "train_accuracy", "val_loss", "val_accuracy",
                "best_val_accuracy", "best_epoch", "seconds"), t.columnNames());
        String js = c.chart("accuracy").asJavascript("div");
        assertTrue(js.contains("augmentation validation") && js.contains("no augmentation train"), js);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Task2.augmentationStudy(null));
        assertTrue(e.getMessage().contains("dataset"));
    }
}
