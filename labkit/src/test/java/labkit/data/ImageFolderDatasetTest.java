package labkit.data;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import labkit.data.synthetic.ShapesDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFolderDatasetTest {
    @TempDir Path tmp;

    @Test
    void findsAllClassesAndImages() throws Exception {
        ShapesDataset.write(tmp, 3, 32, 1);
        ImageFolderDataset ds = ImageFolderDataset.builder().root(tmp).setSampling(4, false).build();
        assertEquals(ShapesDataset.CLASSES, ds.classes());
        assertEquals(30, ds.size());
        assertArrayEquals(new int[] {3, 3, 3, 3, 3, 3, 3, 3, 3, 3}, ds.classCounts());
        try (NDManager m = NDManager.newBaseManager()) {
            Record r = ds.get(m, 4);
            assertEquals(new Shape(32, 32, 3), r.getData().head().getShape());
            assertEquals(DataType.UINT8, r.getData().head().getDataType());
            assertEquals(1L, r.getLabels().head().getLong());
            int batches = 0;
            for (Batch b : ds.getData(m)) {
                Shape shape = b.getData().head().getShape();
                assertEquals(batches < 7 ? 4 : 2, shape.get(0));
                assertEquals(new Shape(32, 32, 3), shape.slice(1));
                batches++;
                b.close();
            }
            assertEquals(8, batches); // 30 images, batch 4, last batch kept
        }
    }

    @Test
    void splitIsSeededDisjointAndComplete() {
        ShapesDataset.write(tmp, 4, 32, 2);
        ImageFolderDataset ds = ImageFolderDataset.builder().root(tmp).build();
        ImageFolderDataset.Split a = ds.split(0.75, 7);
        ImageFolderDataset.Split b = ds.split(0.75, 7);
        ImageFolderDataset.Split c = ds.split(0.75, 8);
        assertEquals(30, a.train().size());
        assertEquals(10, a.validation().size());
        assertEquals(a.train().samples(), b.train().samples());
        assertNotEquals(a.train().samples(), c.train().samples());
        Set<Path> all = new HashSet<>();
        a.train().samples().forEach(s -> all.add(s.path()));
        a.validation().samples().forEach(s -> assertTrue(all.add(s.path()), "overlap " + s));
        assertEquals(40, all.size());
        assertEquals(ds.classes(), a.validation().classes());
    }

    @Test
    void missingFolderNamesThePath() {
        Path missing = tmp.resolve("nope");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderDataset.builder().root(missing).build());
        assertTrue(e.getMessage().contains(missing.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void emptyClassFolderNamesTheFolder() throws IOException {
        ShapesDataset.write(tmp, 1, 32, 3);
        Path empty = Files.createDirectories(tmp.resolve("zebra"));
        Files.writeString(empty.resolve("notes.txt"), "not an image");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderDataset.builder().root(tmp).build());
        assertTrue(e.getMessage().contains(empty.toAbsolutePath().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("no images"), e.getMessage());
    }

    @Test
    void noClassFoldersIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ImageFolderDataset.builder().root(tmp).build());
        assertTrue(e.getMessage().contains("no class sub-folders"), e.getMessage());
    }

    @Test
    void unreadableImageNamesTheFile() throws IOException {
        Path cls = Files.createDirectories(tmp.resolve("cat"));
        Path bad = cls.resolve("broken.png");
        Files.write(bad, new byte[] {1, 2, 3, 4, 5});
        ImageFolderDataset ds = ImageFolderDataset.builder().root(tmp).build();
        try (NDManager m = NDManager.newBaseManager()) {
            IOException e = assertThrows(IOException.class, () -> ds.get(m, 0));
            assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        }
    }

    @Test
    void syntheticDataIsSeeded() throws IOException {
        Path a = ShapesDataset.write(tmp.resolve("a"), 2, 32, 42);
        Path b = ShapesDataset.write(tmp.resolve("b"), 2, 32, 42);
        Path c = ShapesDataset.write(tmp.resolve("c"), 2, 32, 43);
        List<String> files = List.of("circle/circle_0001.png", "dots/dots_0000.png");
        for (String f : files) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)));
            assertFalse(java.util.Arrays.equals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(c.resolve(f))));
        }
    }
}
