package labkit.image;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 25: OpenCV's native library lives in one per-version cache folder, not a new /tmp folder per JVM. */
class OpenCvTest {

    @Test
    void theLibraryIsExtractedOnceAndReused(@TempDir Path cache) throws IOException {
        Path lib = OpenCv.extract(cache);
        assertTrue(lib.startsWith(cache.resolve("opencv")), lib.toString());
        assertTrue(Files.size(lib) > 1_000_000, "the whole library: " + Files.size(lib));
        FileTime written = FileTime.fromMillis(0);
        Files.setLastModifiedTime(lib, written);
        assertEquals(lib, OpenCv.extract(cache), "same place on the next start");
        assertEquals(written, Files.getLastModifiedTime(lib), "reused, not copied again");
        try (Stream<Path> s = Files.list(lib.getParent())) {
            assertEquals(1, s.count(), "no temporary file left beside it");
        }
        // a damaged copy (cut short, e.g. by a kill during the copy) is replaced
        Files.write(lib, new byte[10]);
        assertEquals(lib, OpenCv.extract(cache));
        assertTrue(Files.size(lib) > 1_000_000);
    }

    @Test
    void loadingCreatesNoOpenpnpTempFolder() throws IOException {
        Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
        long before = openpnpFolders(tmp);
        OpenCv.load();
        assertEquals("4.9.0", OpenCv.version());
        assertNotNull(OpenCv.nativeLibrary(), "loaded from the cache folder");
        assertTrue(OpenCv.nativeLibrary().toString().contains("opencv"), OpenCv.nativeLibrary().toString());
        assertEquals(before, openpnpFolders(tmp), "no new /tmp/opencv_openpnp* folder");
    }

    private static long openpnpFolders(Path tmp) throws IOException {
        try (Stream<Path> s = Files.list(tmp)) {
            return s.filter(p -> p.getFileName().toString().startsWith("opencv_openpnp")).count();
        }
    }
}
