package labkit.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagesTest {
    @TempDir
    Path tmp;

    static BufferedImage randomImage(int w, int h, long seed) {
        Random r = new Random(seed);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.setRGB(x, y, r.nextInt(1 << 24));
            }
        }
        return img;
    }

    static int[] pixels(BufferedImage img) {
        return img.getRGB(0, 0, img.getWidth(), img.getHeight(), null, 0, img.getWidth());
    }

    @Test
    void bufferedImageRoundTripIsExact() {
        BufferedImage img = randomImage(7, 5, 1);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = Images.fromBufferedImage(img, m);
            assertEquals(new Shape(5, 7, 3), x.getShape());
            assertEquals(DataType.UINT8, x.getDataType());
            int p = img.getRGB(3, 2);
            assertEquals((p >> 16) & 0xFF, x.getUint8(2, 3, 0), "R first");
            assertEquals(p & 0xFF, x.getUint8(2, 3, 2), "B last");
            assertArrayEquals(pixels(img), pixels(Images.toBufferedImage(x)));
        }
    }

    @Test
    void greyImageKeepsItsValues() {
        BufferedImage grey = new BufferedImage(4, 3, BufferedImage.TYPE_BYTE_GRAY);
        grey.getRaster().setSample(1, 2, 0, 77);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = Images.fromBufferedImage(grey, m);
            assertEquals(77, x.getUint8(2, 1, 0));
            assertEquals(77, x.getUint8(2, 1, 2));
            NDArray one = x.get(":, :, 0:1");
            BufferedImage back = Images.toBufferedImage(one);
            assertEquals(BufferedImage.TYPE_BYTE_GRAY, back.getType());
            assertEquals(77, back.getRaster().getSample(1, 2, 0));
        }
    }

    @Test
    void tensorLayoutsConvertBack() {
        BufferedImage img = randomImage(6, 4, 2);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray hwc = Images.fromBufferedImage(img, m);
            NDArray floatHwc = hwc.toType(DataType.FLOAT32, false);
            assertArrayEquals(pixels(img), pixels(Images.toBufferedImage(floatHwc)));
            NDArray chw = floatHwc.transpose(2, 0, 1).div(255f);
            assertArrayEquals(pixels(img), pixels(Images.toBufferedImage(chw)), "C×H×W float in [0,1] detected");
            float[] mean = {0.5f, 0.4f, 0.3f};
            float[] std = {0.2f, 0.25f, 0.3f};
            NDArray normalized = chw.sub(m.create(mean).reshape(3, 1, 1)).div(m.create(std).reshape(3, 1, 1));
            assertArrayEquals(pixels(img), pixels(Images.fromTensor(normalized, mean, std)));
            assertThrows(IllegalArgumentException.class, () -> Images.fromTensor(chw, mean, new float[] {1f}));
        }
    }

    @Test
    void writeAndReadPngIsExact() throws IOException {
        BufferedImage img = randomImage(9, 8, 3);
        Path file = tmp.resolve("sub/dir/a.png");
        Images.write(img, file);
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = Images.read(file, m);
            assertArrayEquals(pixels(img), pixels(Images.toBufferedImage(x)));
            Path jpg = tmp.resolve("b.jpg");
            Images.write(x, jpg);
            assertEquals(new Shape(8, 9, 3), Images.read(jpg, m).getShape());
        }
    }

    @Test
    void missingFileErrorNamesThePath() {
        Path missing = tmp.resolve("nope/cat.png");
        try (NDManager m = NDManager.newBaseManager()) {
            NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> Images.read(missing, m));
            assertTrue(e.getMessage().contains(missing.toAbsolutePath().toString()), e.getMessage());
        }
    }

    @Test
    void undecodableFileErrorNamesThePath() throws IOException {
        Path bad = tmp.resolve("not-an-image.png");
        Files.writeString(bad, "hello, I am text");
        try (NDManager m = NDManager.newBaseManager()) {
            IOException e = assertThrows(IOException.class, () -> Images.read(bad, m));
            assertTrue(e.getMessage().contains(bad.toAbsolutePath().toString()), e.getMessage());
            IOException dir = assertThrows(IOException.class, () -> Images.read(tmp, m));
            assertTrue(dir.getMessage().contains("folder"), dir.getMessage());
        }
    }

    @Test
    void unknownExtensionAndBadShapesAreRejected() {
        BufferedImage img = randomImage(2, 2, 4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Images.write(img, tmp.resolve("a.tiff")));
        assertTrue(e.getMessage().contains("a.tiff"), e.getMessage());
        try (NDManager m = NDManager.newBaseManager()) {
            assertThrows(IllegalArgumentException.class,
                    () -> Images.toBufferedImage(m.zeros(new Shape(4, 4, 2), DataType.UINT8)));
            assertThrows(IllegalArgumentException.class, () -> Images.toBufferedImage(m.zeros(new Shape(1, 4, 4, 3))));
        }
    }
}
