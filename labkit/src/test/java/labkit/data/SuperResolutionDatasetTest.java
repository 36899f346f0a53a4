package labkit.data;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Record;
import java.nio.file.Path;
import labkit.data.synthetic.SegmentationShapes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SuperResolutionDatasetTest {
    @TempDir
    Path tmp;

    @Test
    void pairsAreSeededWithDocumentedShapes() throws Exception {
        SegmentationShapes.write(tmp, 2, 50, 5);
        SuperResolutionDataset ds = SuperResolutionDataset.builder().folder(tmp.resolve("images")).patch(24).seed(1).build();
        try (NDManager m = NDManager.newBaseManager()) {
            Record r = ds.get(m, 0);
            assertEquals(new Shape(1, 8, 8), r.getData().head().getShape());
            assertEquals(new Shape(1, 24, 24), r.getLabels().head().getShape());
            assertEquals(0f, r.getData().head().sub(ds.get(m, 0).getData().head()).abs().max().getFloat());
            SuperResolutionDataset whole = SuperResolutionDataset.builder().folder(tmp.resolve("images")).yOnly(false).build();
            Record w = whole.get(m, 1);
            assertEquals(new Shape(3, 16, 16), w.getData().head().getShape());
            assertEquals(new Shape(3, 48, 48), w.getLabels().head().getShape());
            float max = w.getLabels().head().max().getFloat();
            assertTrue(max <= 1f && max > 0.2f);
        }
        assertThrows(IllegalArgumentException.class, () -> SuperResolutionDataset.builder().folder(tmp.resolve("images")).patch(25).build());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SuperResolutionDataset.builder().folder(tmp.resolve("nope")));
        assertTrue(e.getMessage().contains("nope"));
    }
}
