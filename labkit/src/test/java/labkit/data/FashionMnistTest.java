package labkit.data;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Record;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import labkit.tasks.Task1;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FashionMnistTest {
    @TempDir
    Path dir;

    /** An IDX file with the given header and {@code n} data bytes valued i % 251. */
    private static byte[] idx(int magic, int[] dims, int n) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(magic);
        for (int d : dims) {
            out.writeInt(d);
        }
        for (int i = 0; i < n; i++) {
            out.writeByte(i % 251);
        }
        return b.toByteArray();
    }

    private static void gz(Path file, byte[] bytes) throws IOException {
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(bytes);
        }
    }

    @Test
    void readsGzipAndPlainIdxFilesIntoRecords() throws IOException {
        gz(dir.resolve("t10k-images-idx3-ubyte.gz"), idx(0x803, new int[] {3, 28, 28}, 3 * 784));
        byte[] labels = idx(0x801, new int[] {3}, 0);
        labels = java.util.Arrays.copyOf(labels, labels.length + 3);
        labels[labels.length - 3] = 9;
        labels[labels.length - 2] = 0;
        labels[labels.length - 1] = 4;
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), labels); // plain, not gzip
        FashionMnist ds = FashionMnist.builder().folder(dir).train(false).build();
        assertEquals(3, ds.size());
        assertEquals(9, ds.label(0));
        assertEquals(4, ds.label(2));
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray img = ds.image(m, 1);
            assertEquals(new Shape(28, 28, 1), img.getShape());
            assertEquals(DataType.UINT8, img.getDataType());
            assertEquals(784 % 251, img.toByteArray()[0] & 0xff, "record 1 starts at byte 784 of the data");
            Record r = FashionMnist.builder().folder(dir).train(false).transform(Task1.fashionMnistTransform()).build()
                    .get(m, 2);
            assertEquals(new Shape(3, 32, 32), r.getData().head().getShape(), "Pad(2) + Grayscale(3) for the Task 1 CNN");
            assertEquals(4L, r.getLabels().head().getLong());
        }
        assertEquals(2, FashionMnist.builder().folder(dir).train(false).limit(2).build().size());
    }

    @Test
    void badFilesAreNamedWithTheReason() throws IOException {
        Path imgs = dir.resolve("t10k-images-idx3-ubyte");
        Files.write(imgs, idx(0x803, new int[] {3, 28, 28}, 100)); // truncated
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), idx(0x801, new int[] {3}, 3));
        IOException e = assertThrows(IOException.class, () -> FashionMnist.builder().folder(dir).train(false).build());
        assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains(imgs.toString()), e.getMessage());

        Files.write(imgs, idx(0xd03, new int[] {3, 28, 28}, 3 * 784)); // float type code
        e = assertThrows(IOException.class, () -> IdxFile.read(imgs));
        assertTrue(e.getMessage().contains("not an unsigned-byte IDX file"), e.getMessage());

        Files.write(imgs, idx(0x803, new int[] {2, 28, 28}, 2 * 784)); // 2 images, 3 labels
        e = assertThrows(IOException.class, () -> FashionMnist.builder().folder(dir).train(false).build());
        assertTrue(e.getMessage().contains("has 2 images"), e.getMessage());

        Files.write(dir.resolve("x.gz"), new byte[] {1, 2, 3});
        e = assertThrows(IOException.class, () -> IdxFile.read(dir.resolve("x.gz")));
        assertTrue(e.getMessage().contains("x.gz"), e.getMessage());

        e = assertThrows(IOException.class, () -> FashionMnist.builder().folder(dir.resolve("none")).build());
        assertTrue(e.getMessage().contains("dataset-fashion-mnist"), e.getMessage());
        e = assertThrows(IOException.class, () -> FashionMnist.builder().folder(dir).train(true).build());
        assertTrue(e.getMessage().contains("train-images-idx3-ubyte"), e.getMessage());
    }

    @Test
    void debianPackageHasTheFullDataset() throws IOException {
        Path folder = FashionMnist.locate().orElse(null);
        Assumptions.assumeTrue(folder != null, "Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)");
        FashionMnist test = FashionMnist.builder().folder(folder).train(false).build();
        assertEquals(10000, test.size());
        int[] perClass = new int[10];
        for (int i = 0; i < test.size(); i++) {
            perClass[test.label(i)]++;
        }
        for (int c = 0; c < 10; c++) {
            assertEquals(1000, perClass[c], "the test set has 1,000 images of every class; class " + c);
        }
        assertEquals(9, test.label(0), "the first test image is an ankle boot");
    }
}
