package labkit.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.awt.image.BufferedImage;
import java.util.List;
import org.junit.jupiter.api.Test;

class ColormapTest {

    @Test
    void tablesAreMatplotlibs() {
        assertEquals(List.of("viridis", "plasma", "magma", "inferno"), Colormap.names());
        for (String n : Colormap.names()) {
            assertEquals(256, Colormap.named(n).size(), n);
        }
        // matplotlib _cm_listed: viridis[0] = (0.267004, 0.004874, 0.329415), viridis[255] = (0.993248, 0.906157, 0.143936)
        assertEquals(rgb(0.267004, 0.004874, 0.329415), Colormap.viridis().entry(0));
        assertEquals(rgb(0.993248, 0.906157, 0.143936), Colormap.viridis().entry(255));
        // inferno[255] = (0.988362, 0.998364, 0.644924), plasma[0] = (0.050383, 0.029803, 0.527975)
        assertEquals(rgb(0.988362, 0.998364, 0.644924), Colormap.inferno().entry(255));
        assertEquals(rgb(0.050383, 0.029803, 0.527975), Colormap.plasma().entry(0));
    }

    @Test
    void mapsValuesLikeMatplotlib() {
        Colormap c = Colormap.magma();
        assertEquals(c.entry(0), c.rgb(0.0));
        assertEquals(c.entry(0), c.rgb(-3.0));
        assertEquals(c.entry(255), c.rgb(1.0));
        assertEquals(c.entry(255), c.rgb(7.0));
        assertEquals(c.entry(128), c.rgb(0.5));
        assertEquals(c.entry(63), c.rgb(0.249));
        assertEquals(0, c.rgb(Double.NaN));
    }

    @Test
    void colorsAnArray() {
        try (NDManager m = NDManager.newBaseManager()) {
            BufferedImage img = Colormap.viridis().apply(m.arange(12f).reshape(1, 1, 3, 4), 0, 11);
            assertEquals(4, img.getWidth());
            assertEquals(3, img.getHeight());
            assertEquals(Colormap.viridis().entry(0), img.getRGB(0, 0) & 0xFFFFFF);
            assertEquals(Colormap.viridis().entry(255), img.getRGB(3, 2) & 0xFFFFFF);
            assertThrows(IllegalArgumentException.class, () -> Colormap.viridis().apply(m.zeros(new Shape(2, 3, 4)), 0, 1));
        }
        var e = assertThrows(IllegalArgumentException.class, () -> Colormap.named("jet"));
        assertEquals(true, e.getMessage().contains("viridis"));
    }

    private static int rgb(double r, double g, double b) {
        return ((int) Math.round(r * 255) << 16) | ((int) Math.round(g * 255) << 8) | (int) Math.round(b * 255);
    }
}
