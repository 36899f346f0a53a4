package labkit.data;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Batch;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import labkit.data.synthetic.DepthScenes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 25: NYU depth PNGs of the wrong size or with colour channels are refused by name; a default sampler. */
class DepthInputTest {

    private static Path set(Path dir) {
        return DepthScenes.builder().trainScenes(2).framesPerScene(2).testImages(2).size(64, 48).seed(5)
                .write(dir.resolve("nyu_data"));
    }

    @Test
    void nyuDepthV2WithoutSetSamplingHasADefaultSampler(@TempDir Path dir) throws Exception {
        NyuDepthV2 ds = NyuDepthV2.builder().root(set(dir)).imageSize(32).depthSize(8).build();
        try (NDManager m = NDManager.newBaseManager()) {
            int seen = 0;
            for (Batch b : ds.getData(m)) {
                try (b) {
                    assertEquals(3, b.getData().head().getShape().get(1));
                    seen += (int) b.getSize();
                }
            }
            assertEquals(ds.size(), seen, "every row in batches");
        }
    }

    @Test
    void aDepthMapOfTheWrongSizeNamesBothFilesAndSizes(@TempDir Path dir) throws Exception {
        NyuDepthV2 ds = NyuDepthV2.builder().root(set(dir)).setSampling(2, false).build();
        Path depth = ds.pairs().get(0).depth();
        ImageIO.write(new BufferedImage(32, 24, BufferedImage.TYPE_BYTE_GRAY), "png", depth.toFile());
        try (NDManager m = NDManager.newBaseManager()) {
            IOException e = assertThrows(IOException.class, () -> ds.get(m, 0));
            assertTrue(e.getMessage().contains(depth.toAbsolutePath().toString()) && e.getMessage().contains("32x24")
                    && e.getMessage().contains("64x48") && e.getMessage().contains(ds.pairs().get(0).rgb().toString()),
                    e.getMessage());
            assertThrows(IOException.class, () -> ds.preview(0));
            assertNotNull(ds.get(m, 1), "the other rows still read");
        }
    }

    @Test
    void anRgbOrPaletteDepthMapIsRefusedByName(@TempDir Path dir) throws Exception {
        NyuDepthV2 ds = NyuDepthV2.builder().root(set(dir)).setSampling(2, false).build();
        Path depth = ds.pairs().get(1).depth();
        ImageIO.write(new BufferedImage(64, 48, BufferedImage.TYPE_3BYTE_BGR), "png", depth.toFile());
        try (NDManager m = NDManager.newBaseManager()) {
            IOException e = assertThrows(IOException.class, () -> ds.get(m, 1));
            assertTrue(e.getMessage().contains(depth.toAbsolutePath().toString())
                    && e.getMessage().contains("3 channels"), e.getMessage());
            IOException direct = assertThrows(IOException.class, () -> NyuDepthV2.readDepthMetres(depth, 10f));
            assertTrue(direct.getMessage().contains("3 channels"), direct.getMessage());

            ImageIO.write(new BufferedImage(64, 48, BufferedImage.TYPE_BYTE_INDEXED), "png", depth.toFile());
            e = assertThrows(IOException.class, () -> ds.get(m, 1));
            assertTrue(e.getMessage().contains("palette"), e.getMessage());
        }
    }
}
