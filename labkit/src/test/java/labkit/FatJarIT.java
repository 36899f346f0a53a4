package labkit;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * Checks the jar the notebooks load, in its own JVM: DJL must find the PyTorch engine there (a fat jar that
 * keeps only one META-INF/services/ai.djl.engine.EngineProvider silently runs with no engine).
 */
class FatJarIT {
    private static Path jar() {
        Path jar = Path.of(System.getProperty("labkit.jar", "target/labkit-all.jar"));
        assertTrue(Files.isRegularFile(jar), "fat jar not built: " + jar.toAbsolutePath());
        return jar;
    }

    @Test
    void keepsEveryEngineProvider() throws IOException {
        try (ZipFile zip = new ZipFile(jar().toFile())) {
            var entry = zip.getEntry("META-INF/services/ai.djl.engine.EngineProvider");
            assertNotNull(entry, "no EngineProvider service file in the jar");
            String services = new String(zip.getInputStream(entry).readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(services.contains("ai.djl.pytorch.engine.PtEngineProvider"), services);
        }
    }

    @Test
    void runsOnThePyTorchEngine() throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(List.of(java, "-jar", jar().toString(), "--version"))
                .redirectErrorStream(true).start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "labkit --version did not finish");
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("engine PyTorch 2.7.1"), out);
        assertTrue(out.contains("labkit 0.1.0"), out);
    }
}
