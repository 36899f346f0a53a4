package labkit.data;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import labkit.augment.Compose;
import labkit.augment.Resize;
import labkit.augment.ToTensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 25: an image of another size in an image folder fails when read, naming the file and the size expected. */
class ImageSizeTest {

    private static Path folder(Path dir) throws IOException {
        for (String c : new String[] {"cat", "dog"}) {
            Files.createDirectories(dir.resolve(c));
            for (int i = 0; i < 2; i++) {
                ImageIO.write(new BufferedImage(32, 32, BufferedImage.TYPE_3BYTE_BGR), "png",
                        dir.resolve(c).resolve("img" + i + ".png").toFile());
            }
        }
        ImageIO.write(new BufferedImage(1, 1, BufferedImage.TYPE_3BYTE_BGR), "png",
                dir.resolve("dog").resolve("tiny.png").toFile());
        return dir;
    }

    @Test
    void aOneByOneImageInA32Folder(@TempDir Path dir) throws IOException {
        for (boolean tensor : new boolean[] {false, true}) {
            ImageFolderDataset.Builder b = ImageFolderDataset.builder().root(folder(dir)).setSampling(2, false);
            if (tensor) {
                b.transform(new ToTensor());
            }
            ImageFolderDataset ds = b.build();
            Path tiny = dir.resolve("dog").resolve("tiny.png");
            try (NDManager m = NDManager.newBaseManager()) {
                for (int i = 0; i < ds.size(); i++) {
                    if (ds.samples().get(i).path().equals(tiny)) {
                        int at = i;
                        IOException e = assertThrows(IOException.class, () -> ds.get(m, at));
                        assertTrue(e.getMessage().contains(tiny.toAbsolutePath().toString())
                                && e.getMessage().contains("1×1") && e.getMessage().contains("32×32"), e.getMessage());
                    } else {
                        assertEquals(tensor ? new Shape(3, 32, 32) : new Shape(32, 32, 3),
                                ds.get(m, i).getData().head().getShape());
                    }
                }
            }
        }
    }

    @Test
    void aTransformThatResizesMakesEverySizeFit(@TempDir Path dir) throws IOException {
        ImageFolderDataset ds = ImageFolderDataset.builder().root(folder(dir)).setSampling(5, false)
                .transform(new Compose(new Resize(16, 16), new ToTensor())).build();
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < ds.size(); i++) {
                assertEquals(new Shape(3, 16, 16), ds.get(m, i).getData().head().getShape());
            }
        }
    }
}
