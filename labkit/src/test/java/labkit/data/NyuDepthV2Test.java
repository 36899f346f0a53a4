package labkit.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import labkit.data.synthetic.DepthScenes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NyuDepthV2Test {
    @TempDir
    static Path dir;
    static Path root;

    @BeforeAll
    static void writeSet() {
        root = DepthScenes.builder().trainScenes(2).framesPerScene(2).testImages(2).size(64, 48).seed(5)
                .write(dir.resolve("nyu_data"));
    }

    private static NyuDepthV2.Builder plain(NyuDepthV2.Split split) {
        return NyuDepthV2.builder().root(root).split(split).setSampling(2, false);
    }

    @Test
    void recordsHaveTheCourseShapesAndRanges() throws Exception {
        NyuDepthV2 train = plain(NyuDepthV2.Split.TRAIN).build();
        NyuDepthV2 test = plain(NyuDepthV2.Split.TEST).noNormalize().build();
        assertEquals(4, train.size());
        assertEquals(2, test.size());
        try (NDManager m = NDManager.newBaseManager()) {
            Record r = train.get(m, 0);
            assertEquals(new Shape(3, 224, 224), r.getData().singletonOrThrow().getShape());
            assertEquals(new Shape(1, 56, 56), r.getLabels().singletonOrThrow().getShape());
            float[] depth = r.getLabels().singletonOrThrow().toFloatArray();
            for (float v : depth) {
                assertTrue(v >= 0 && v <= 1, "normalised depth " + v);
            }
            float[] img = test.get(m, 1).getData().singletonOrThrow().toFloatArray();
            for (float v : img) {
                assertTrue(v >= 0 && v <= 1, "unnormalised image value " + v);
            }
            for (Batch b : train.getData(m)) {
                assertEquals(new Shape(2, 3, 224, 224), b.getData().singletonOrThrow().getShape());
                assertEquals(new Shape(2, 1, 56, 56), b.getLabels().singletonOrThrow().getShape());
                b.close();
            }
        }
    }

    @Test
    void readsBothDepthEncodingsToTheSameMetresAndHonoursMaxDepth(@TempDir Path own) throws Exception {
        // one rendering stored both ways: the 8-bit training encoding and the 16-bit millimetre test encoding
        // 56×56 so the depth is not resized and clipping at the maximum can be checked exactly
        DepthScenes.Rendered r = DepthScenes.renderRandom(11, 56, 56);
        Files.createDirectories(own.resolve("data/x"));
        ImageIO.write(r.rgbImage(), "png", own.resolve("data/x/rgb.png").toFile());
        ImageIO.write(r.depth8(), "png", own.resolve("data/x/d8.png").toFile());
        ImageIO.write(r.depth16(), "png", own.resolve("data/x/d16.png").toFile());
        Files.writeString(own.resolve("data/nyu2_train.csv"), "data/x/rgb.png,data/x/d8.png\n");
        Files.writeString(own.resolve("data/nyu2_test.csv"), "data/x/rgb.png,data/x/d16.png\n");
        try (NDManager m = NDManager.newBaseManager()) {
            float[] a = NyuDepthV2.builder().root(own).split(NyuDepthV2.Split.TRAIN).setSampling(1, false).build()
                    .get(m, 0).getLabels().singletonOrThrow().toFloatArray();
            float[] b = NyuDepthV2.builder().root(own).split(NyuDepthV2.Split.TEST).setSampling(1, false).build()
                    .get(m, 0).getLabels().singletonOrThrow().toFloatArray();
            float[] half = NyuDepthV2.builder().root(own).split(NyuDepthV2.Split.TEST).maxDepth(5f)
                    .setSampling(1, false).build().get(m, 0).getLabels().singletonOrThrow().toFloatArray();
            double mean = 0;
            for (int i = 0; i < a.length; i++) {
                assertEquals(b[i], a[i], 0.5f / 255 + 1e-4f, "8-bit vs 16-bit at " + i);
                assertEquals(Math.min(1f, 2 * b[i]), half[i], 2e-4f, "max depth 5 m at " + i);
                assertEquals(r.depth()[i] / 10f, b[i], 1e-4f, "16-bit depth at " + i);
                mean += b[i];
            }
            assertTrue(mean / a.length > 0.05, "depth is not all zeros");
        }
    }

    @Test
    void aRowWhoseFileIsMissingIsRejectedByName(@TempDir Path own) throws Exception {
        Path copy = DepthScenes.builder().trainScenes(1).framesPerScene(2).testImages(0).size(32, 24).seed(2)
                .write(own.resolve("nyu_data"));
        Files.delete(copy.resolve("data/nyu2_train/room_0000_out/1.png"));
        NoSuchFileException e = assertThrows(NoSuchFileException.class,
                () -> NyuDepthV2.builder().root(copy).setSampling(1, false).build());
        assertTrue(e.getMessage().contains("data/nyu2_train/room_0000_out/1.png"), e.getMessage());
        assertTrue(e.getMessage().contains("nyu2_train.csv line 2"), e.getMessage());

        Files.writeString(copy.resolve("data/nyu2_test.csv"), "data/nyu2_train/room_0000_out/0.jpg\n");
        IOException bad = assertThrows(IOException.class,
                () -> NyuDepthV2.builder().root(copy).split(NyuDepthV2.Split.TEST).setSampling(1, false).build());
        assertTrue(bad.getMessage().contains("line 1"), bad.getMessage());

        NoSuchFileException noCsv = assertThrows(NoSuchFileException.class,
                () -> NyuDepthV2.builder().root(own).setSampling(1, false).build());
        assertTrue(noCsv.getMessage().contains("nyu_data"), noCsv.getMessage());
    }

    @Test
    void augmentationFlipsBothAndJittersOnlyTheImageSeeded() throws Exception {
        NyuDepthV2 base = plain(NyuDepthV2.Split.TRAIN).noNormalize().build();
        NyuDepthV2 flipped = base.withAugment(new NyuDepthV2.Augment(1.0, 0, 0, 0, 0, 1));
        NyuDepthV2 jitter = base.withAugment(new NyuDepthV2.Augment(0.0, 0.5f, 0.5f, 0.5f, 0.1f, 1));
        try (NDManager m = NDManager.newBaseManager()) {
            Record r = base.get(m, 1);
            Record f = flipped.get(m, 1);
            Record j = jitter.get(m, 1);
            // flip: image and depth mirrored together
            assertArrayEquals(r.getData().singletonOrThrow().flip(2).toFloatArray(),
                    f.getData().singletonOrThrow().toFloatArray(), 1e-6f);
            assertArrayEquals(r.getLabels().singletonOrThrow().flip(2).toFloatArray(),
                    f.getLabels().singletonOrThrow().toFloatArray(), 1e-6f);
            // colour jitter: image changes, depth does not
            assertArrayEquals(r.getLabels().singletonOrThrow().toFloatArray(),
                    j.getLabels().singletonOrThrow().toFloatArray(), 0f);
            assertTrue(r.getData().singletonOrThrow().sub(j.getData().singletonOrThrow()).abs().max().getFloat() > 0.01f);
            // seeded: a fresh dataset with the same seed repeats the sequence
            NyuDepthV2 again = base.withAugment(new NyuDepthV2.Augment(0.0, 0.5f, 0.5f, 0.5f, 0.1f, 1));
            assertArrayEquals(j.getData().singletonOrThrow().toFloatArray(),
                    again.get(m, 1).getData().singletonOrThrow().toFloatArray(), 0f);
        }
    }

    @Test
    void previewIsUnaugmentedAndSplitsAreSeeded() throws Exception {
        NyuDepthV2 aug = plain(NyuDepthV2.Split.TRAIN).augment(NyuDepthV2.Augment.standard(3)).build();
        NyuDepthV2.Preview p = aug.preview(0);
        NyuDepthV2.Preview q = aug.preview(0);
        assertEquals(224, p.rgb().getWidth());
        assertEquals(56 * 56, p.depth().length);
        assertArrayEquals(p.depth(), q.depth(), 0f);
        NyuDepthV2.Parts parts = aug.split(0.5, 9);
        assertEquals(2, parts.train().size());
        assertEquals(2, parts.validation().size());
        List<NyuDepthV2.Pair> again = aug.split(0.5, 9).train().pairs();
        assertEquals(parts.train().pairs(), again);
    }
}
