package labkit.data.synthetic;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import labkit.data.NyuDepthV2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DepthScenesTest {

    private static DepthScenes small(long seed) {
        return DepthScenes.builder().trainScenes(2).framesPerScene(2).testImages(2).size(64, 48).seed(seed);
    }

    @Test
    void writesTheKaggleLayoutWithBothDepthEncodings(@TempDir Path dir) throws Exception {
        Path root = small(1).write(dir.resolve("nyu_data"));
        List<String> train = Files.readAllLines(root.resolve("data/nyu2_train.csv"));
        List<String> test = Files.readAllLines(root.resolve("data/nyu2_test.csv"));
        assertEquals(4, train.size());
        assertEquals(2, test.size());
        assertEquals("data/nyu2_train/room_0000_out/0.jpg,data/nyu2_train/room_0000_out/0.png", train.get(0));
        assertEquals("data/nyu2_test/00000_colors.png,data/nyu2_test/00000_depth.png", test.get(0));
        var d8 = ImageIO.read(root.resolve("data/nyu2_train/room_0000_out/0.png").toFile());
        var d16 = ImageIO.read(root.resolve("data/nyu2_test/00000_depth.png").toFile());
        assertEquals(8, d8.getRaster().getSampleModel().getSampleSize(0));
        assertEquals(16, d16.getRaster().getSampleModel().getSampleSize(0));
        var rgb = ImageIO.read(root.resolve("data/nyu2_train/room_0000_out/0.jpg").toFile());
        assertEquals(64, rgb.getWidth());
        assertEquals(48, rgb.getHeight());
    }

    @Test
    void sameSeedSameBytesOtherSeedOtherScenes(@TempDir Path dir) throws Exception {
        Path a = small(7).write(dir.resolve("a"));
        Path b = small(7).write(dir.resolve("b"));
        Path c = small(8).write(dir.resolve("c"));
        List<Path> files;
        try (Stream<Path> s = Files.walk(a)) {
            files = s.filter(Files::isRegularFile).map(a::relativize).sorted().collect(Collectors.toList());
        }
        assertEquals(2 + 4 * 2 + 2 * 2, files.size());
        boolean anyDifferent = false;
        for (Path f : files) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f.toString());
            if (f.toString().endsWith(".png") && !java.util.Arrays.equals(Files.readAllBytes(a.resolve(f)),
                    Files.readAllBytes(c.resolve(f)))) {
                anyDifferent = true;
            }
        }
        assertTrue(anyDifferent, "seed 8 rendered the same images as seed 7");
    }

    @Test
    void encodingsRoundTripTheTrueDepth(@TempDir Path dir) throws Exception {
        DepthScenes.Rendered r = DepthScenes.renderRandom(3, 40, 30);
        float min = Float.MAX_VALUE, max = 0;
        for (float z : r.depth()) {
            min = Math.min(min, z);
            max = Math.max(max, z);
        }
        assertTrue(min > 0.1f && max < 10f && max - min > 1f, "depth range " + min + ".." + max);
        Path p8 = dir.resolve("d8.png");
        Path p16 = dir.resolve("d16.png");
        ImageIO.write(r.depth8(), "png", p8.toFile());
        ImageIO.write(r.depth16(), "png", p16.toFile());
        float[] m8 = NyuDepthV2.readDepthMetres(p8, 10f);
        float[] m16 = NyuDepthV2.readDepthMetres(p16, 10f);
        for (int i = 0; i < m8.length; i++) {
            assertEquals(r.depth()[i], m8[i], 10f / 255 / 2 + 1e-4f);
            assertEquals(r.depth()[i], m16[i], 0.0005f + 1e-5f);
        }
        assertFalse(java.util.Arrays.equals(m8, m16));
    }
}
