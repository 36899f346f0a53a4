package labkit.plot;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.Color;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.api.LinePlot;

class ImageGridAndShowTest {
    @TempDir Path tmp;

    private static BufferedImage solid(int w, int h, Color c) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, c.getRGB());
            }
        }
        return img;
    }

    @Test
    void gridPlacesEachImageInItsCell() {
        ImageGrid grid = new ImageGrid().columns(2).cellSize(40);
        grid.add(solid(10, 10, Color.RED), "red").add(solid(10, 10, Color.GREEN), "green")
                .add(solid(20, 10, Color.BLUE), "blue");
        BufferedImage out = grid.render();
        assertEquals(2 * (40 + 4) + 4, out.getWidth());
        // two rows; each row = title + cell + padding
        assertTrue(out.getHeight() > 2 * 40);
        int titleH = (out.getHeight() - 4) / 2 - 40 - 4;
        // centre of first cell is red, second green, third (row 2, column 1) blue
        assertEquals(Color.RED.getRGB(), out.getRGB(4 + 20, 4 + titleH + 20));
        assertEquals(Color.GREEN.getRGB(), out.getRGB(4 + 44 + 20, 4 + titleH + 20));
        assertEquals(Color.BLUE.getRGB(), out.getRGB(4 + 20, 4 + 40 + titleH + 4 + titleH + 20));
    }

    @Test
    void emptyGridAndBadArgumentsAreClearErrors() {
        assertThrows(IllegalStateException.class, () -> new ImageGrid().render());
        assertThrows(IllegalArgumentException.class, () -> new ImageGrid().columns(0));
        assertThrows(IllegalArgumentException.class, () -> new ImageGrid().add((BufferedImage) null, "x"));
    }

    @Test
    void outsideAKernelShowWritesFiles() throws Exception {
        String old = System.getProperty("labkit.output");
        System.setProperty("labkit.output", tmp.toString());
        try {
            assertEquals("file", Show.backend());
            Path png = Show.showOrSave(solid(5, 7, Color.RED), "tiny");
            BufferedImage back = ImageIO.read(png.toFile());
            assertEquals(5, back.getWidth());
            assertEquals(7, back.getHeight());
            Table t = Table.create("history", DoubleColumn.create("epoch", 1, 2, 3),
                    DoubleColumn.create("loss", 1.0, 0.5, 0.25), StringColumn.create("note", "a", "b", "c"));
            Path fig = Show.showOrSave(LinePlot.create("loss", t, "epoch", "loss"), "figure");
            String html = Files.readString(fig);
            assertTrue(html.contains("plotly") && html.contains("Plotly.newPlot"), html);
            Path table = Show.showOrSave(t);
            String tableHtml = Files.readString(table);
            assertTrue(tableHtml.contains("<th") && tableHtml.contains(">loss</th>"), tableHtml);
            assertTrue(tableHtml.contains(">0.25</td>"), tableHtml);
            // show(...) itself returns nothing (a notebook statement) and writes the same file
            Show.show(solid(3, 3, Color.BLUE), "statement");
            try (var files = Files.list(tmp)) {
                assertEquals(1, files.filter(f -> f.getFileName().toString().matches("statement-\\d+\\.png")).count());
            }
        } finally {
            if (old == null) {
                System.clearProperty("labkit.output");
            } else {
                System.setProperty("labkit.output", old);
            }
        }
    }
}
