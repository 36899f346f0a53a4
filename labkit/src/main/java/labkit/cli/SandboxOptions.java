package labkit.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import labkit.grade.Check;
import labkit.grade.Limits;
import labkit.grade.Sandbox;
import picocli.CommandLine.Option;

/** Options shared by {@code assign}, {@code validate} and {@code grade}: jar, limits, isolation. */
public final class SandboxOptions {
    @Option(names = "--jar", description = "labkit jar the agents load (default: the jar running this command, "
            + "else labkit/target/labkit-all.jar)")
    Path jar;

    @Option(names = "--cell-timeout", description = "seconds per cell (default ${DEFAULT-VALUE})")
    int cellTimeout = 120;

    @Option(names = "--timeout", description = "seconds per notebook (default ${DEFAULT-VALUE})")
    int timeout = 900;

    @Option(names = "--heap", description = "kernel JVM heap, -Xmx (default ${DEFAULT-VALUE})")
    String heap = "1g";

    @Option(names = "--memory", description = "memory cap of the kernel's processes, heap and native (default ${DEFAULT-VALUE})")
    String memory = "3g";

    @Option(names = "--max-output", description = "output bytes per notebook before it is stopped (default ${DEFAULT-VALUE})")
    String maxOutput = "2m";

    @Option(names = "--max-submission", description = "largest notebook file graded; larger ones are invalid (default ${DEFAULT-VALUE})")
    String maxSubmission = "20m";

    @Option(names = "--no-isolation", description = "run kernels as this user with network (trusted notebooks only)")
    boolean noIsolation;

    @Option(names = "--full", description = "LABKIT_QUICK=0 in the kernels (default: quick mode)")
    boolean full;

    Limits limits() {
        return new Limits(cellTimeout, timeout, heap, Limits.bytes(memory), Limits.bytes(maxOutput), !noIsolation,
                Limits.bytes(maxSubmission));
    }

    Path jar() {
        if (jar != null) {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalArgumentException("--jar: no file at '" + jar + "'");
            }
            return jar;
        }
        try {
            Path self = Path.of(Check.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            if (Files.isRegularFile(self) && self.toString().endsWith(".jar")) {
                return self;
            }
        } catch (Exception ignored) {
            // fall through
        }
        Path built = Path.of("labkit", "target", "labkit-all.jar");
        if (Files.isRegularFile(built)) {
            return built;
        }
        throw new IllegalArgumentException("cannot find the labkit jar for the kernels; pass --jar labkit-all.jar");
    }

    Sandbox sandbox(Path dir) {
        return Sandbox.prepare(dir, jar(), limits());
    }
}
