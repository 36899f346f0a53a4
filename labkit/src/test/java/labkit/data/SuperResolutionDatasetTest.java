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

    @Test
    void manyPatchesPerImageNewEachEpochWithFlips() throws Exception {
        SegmentationShapes.write(tmp, 2, 60, 5);
        SuperResolutionDataset ds = SuperResolutionDataset.builder().folder(tmp.resolve("images")).patch(24)
                .patchesPerImage(5).flips(true).seed(1).build();
        assertEquals(10, ds.size(), "2 images × 5 patches");
        assertEquals(ds.files().get(1), ds.fileOf(3));
        try (NDManager m = NDManager.newBaseManager()) {
            var a = ds.get(m, 0).getLabels().head();
            var b = ds.get(m, 2).getLabels().head();
            assertTrue(a.sub(b).abs().max().getFloat() > 0, "two patches of one image differ");
            assertEquals(0f, a.sub(ds.get(m, 0).getLabels().head()).abs().max().getFloat(), "same epoch, same record");
            ds.setEpoch(1);
            var c = ds.get(m, 0).getLabels().head();
            assertTrue(a.sub(c).abs().max().getFloat() > 0, "a new epoch draws a new patch");
            ds.setEpoch(0);
            assertEquals(0f, a.sub(ds.get(m, 0).getLabels().head()).abs().max().getFloat(), "epoch 0 again: same patch");
        }
        assertThrows(IllegalArgumentException.class, () -> SuperResolutionDataset.builder().patchesPerImage(0));
        SuperResolutionDataset whole = SuperResolutionDataset.builder().folder(tmp.resolve("images")).trim(24).build();
        try (NDManager m = NDManager.newBaseManager()) {
            assertEquals(new Shape(1, 48, 48), whole.get(m, 0).getLabels().head().getShape(), "60 trimmed to 48");
        }
    }
}
