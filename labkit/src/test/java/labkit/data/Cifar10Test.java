package labkit.data;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.Record;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Cifar10Test {
    @TempDir Path tmp;

    private static byte[] record(int label, int seed) {
        byte[] r = new byte[Cifar10.RECORD_BYTES];
        r[0] = (byte) label;
        for (int i = 1; i < r.length; i++) {
            r[i] = (byte) ((i * 31 + seed) & 0xff);
        }
        return r;
    }

    @Test
    void readsPlanarRecordsAsHwc() throws IOException {
        byte[] a = record(3, 0);
        byte[] b = record(9, 5);
        byte[] file = new byte[2 * Cifar10.RECORD_BYTES];
        System.arraycopy(a, 0, file, 0, a.length);
        System.arraycopy(b, 0, file, a.length, b.length);
        Files.write(tmp.resolve("data_batch_1.bin"), file);
        Files.write(tmp.resolve("data_batch_2.bin"), a);
        Cifar10 ds = Cifar10.builder().folder(tmp).build();
        assertEquals(3, ds.size());
        assertEquals(9, ds.label(1));
        try (NDManager m = NDManager.newBaseManager()) {
            Record rec = ds.get(m, 1);
            NDArray img = rec.getData().head();
            assertEquals(32, img.getShape().get(0));
            // pixel (row 2, col 5), green channel = byte 1 + 1024 + 2*32 + 5 of the record
            int expected = b[1 + 1024 + 2 * 32 + 5] & 0xff;
            assertEquals(expected, img.get(2, 5, 1).toType(ai.djl.ndarray.types.DataType.INT32, false).getInt());
            assertEquals(9L, rec.getLabels().head().getLong());
        }
    }

    @Test
    void fetchUnpacksAVerifiedArchiveOnceOffline() throws IOException {
        Path cache = Files.createDirectories(tmp.resolve("cache"));
        Path tgz = cache.resolve("mini-cifar.tar.gz");
        byte[] batch = record(4, 1);
        try (var os = Files.newOutputStream(tgz);
                var tar = new org.apache.commons.compress.archivers.tar.TarArchiveOutputStream(
                        new org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream(os))) {
            for (String name : java.util.List.of("data_batch_1.bin", "test_batch.bin")) {
                var e = new org.apache.commons.compress.archivers.tar.TarArchiveEntry("cifar-10-batches-bin/" + name);
                e.setSize(batch.length);
                tar.putArchiveEntry(e);
                tar.write(batch);
                tar.closeArchiveEntry();
            }
        }
        var offline = labkit.io.Downloads.builder().cacheDir(cache).searchDirs(java.util.List.of())
                .offline(true).progress(null).build();
        var mirror = labkit.io.RemoteFile.of("https://example.invalid/mini-cifar.tar.gz", "mini-cifar.tar.gz",
                labkit.io.Downloads.sha256(tgz));
        Path root = Cifar10.fetch(offline, mirror);
        Cifar10 test = Cifar10.builder().folder(root).train(false).build();
        assertEquals(1, test.size());
        assertEquals(4, test.label(0));
        Files.delete(tgz); // unpacked once: the archive is no longer needed
        assertEquals(root, Cifar10.fetch(offline, mirror));
        // the real archive is not in this cache: the offline error says which file and where
        IOException e = assertThrows(IOException.class, () -> Cifar10.fetch(
                labkit.io.Downloads.builder().cacheDir(tmp.resolve("empty")).searchDirs(java.util.List.of())
                        .offline(true).progress(null).build()));
        assertTrue(e.getMessage().contains("cifar-10-binary.tar.gz"), e.getMessage());
    }

    @Test
    void wrongFileSizeIsAClearError() throws IOException {
        Path f = tmp.resolve("data_batch_1.bin");
        Files.write(f, new byte[100]);
        IOException e = assertThrows(IOException.class, () -> Cifar10.builder().folder(tmp).build());
        assertTrue(e.getMessage().contains(f.toString()), e.getMessage());
    }
}
