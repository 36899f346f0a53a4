package labkit.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import labkit.data.NyuDepthV2;
import labkit.data.synthetic.DepthScenes;
import labkit.image.Colormap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DepthPanelsTest {

    @Test
    void rowsOfRgbTruthAndPrediction(@TempDir Path dir) throws Exception {
        Path root = DepthScenes.builder().trainScenes(1).framesPerScene(2).testImages(0).size(64, 48).seed(4)
                .write(dir.resolve("nyu"));
        NyuDepthV2 data = NyuDepthV2.builder().root(root).setSampling(1, false).build();
        DepthPanels two = new DepthPanels(Colormap.plasma()).cellSize(64);
        DepthPanels three = new DepthPanels(Colormap.plasma()).cellSize(64);
        for (int i = 0; i < 2; i++) {
            NyuDepthV2.Preview p = data.preview(i);
            two.add(p.rgb(), p.depth(), null, p.depthSize(), "sample " + i);
            float[] pred = p.depth().clone();
            three.add(p.rgb(), p.depth(), pred, p.depthSize(), "sample " + i);
        }
        BufferedImage a = two.render();
        BufferedImage b = three.render();
        assertTrue(b.getWidth() > a.getWidth(), "a prediction column is added");
        assertTrue(a.getHeight() >= 2 * 64);
        ImageIO.write(b, "png", dir.resolve("panels.png").toFile());
        assertThrows(IllegalArgumentException.class, () -> three.add(a, new float[3], null, 56, "bad"));
        assertEquals(2, three.size());
    }
}
