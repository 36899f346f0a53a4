package labkit.data;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import labkit.io.Downloads;
import labkit.weights.ImageNetClasses;
import labkit.io.RemoteFile;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagenetteTest {

    @Test
    void classesMapToTheRightImagenetIndices() {
        for (int i = 0; i < 10; i++) {
            assertEquals(Imagenette.NAMES.get(i), ImageNetClasses.name(Imagenette.imagenetIndex(i)), "label " + i);
        }
        assertEquals(Imagenette.WNIDS.stream().sorted().toList(), Imagenette.WNIDS);
        assertThrows(IllegalArgumentException.class, () -> Imagenette.imagenetIndex(10));
    }

    @Test
    void unpacksACachedArchiveOfflineOnce(@TempDir Path dir) throws IOException {
        Path cache = Files.createDirectories(dir.resolve("cache"));
        Path tgz = cache.resolve("mini.tgz");
        byte[] png = Files.readAllBytes(Path.of("src/test/resources/fixtures/weights/dtypes.json")); // any bytes
        try (OutputStream os = Files.newOutputStream(tgz);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(new GzipCompressorOutputStream(os))) {
            for (String wnid : List.of("n01440764", "n02102040")) {
                for (String split : List.of("train", "val")) {
                    TarArchiveEntry e = new TarArchiveEntry("imagenette2-160/" + split + "/" + wnid + "/a.JPEG");
                    e.setSize(png.length);
                    tar.putArchiveEntry(e);
                    tar.write(png);
                    tar.closeArchiveEntry();
                }
            }
        }
        Downloads offline = Downloads.builder().cacheDir(cache).searchDirs(List.of()).offline(true).progress(null)
                .build();
        RemoteFile mirror = RemoteFile.of("https://example.invalid/mini.tgz", "mini.tgz", Downloads.sha256(tgz));
        Path root = Imagenette.fetch(offline, mirror);
        assertTrue(Files.isRegularFile(root.resolve("val/n02102040/a.JPEG")));
        ImageFolderDataset val = Imagenette.validation(root, null, 2);
        assertEquals(List.of("n01440764", "n02102040"), val.classes());
        assertEquals(2, val.size());
        Files.delete(tgz); // unpacked once: the archive is no longer needed
        assertEquals(root, Imagenette.fetch(offline, mirror));
    }
}
