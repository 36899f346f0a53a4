package labkit.bench;

import ai.djl.engine.Engine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;

/**
 * The machine a measurement ran on: CPU model, logical CPUs, the int8 dot-product instruction sets and the engine's
 * thread counts, for the titles of latency tables. {@code /proc/cpuinfo} is read once; elsewhere than Linux the model
 * is {@code os.arch} and the instruction sets are "unknown".
 */
public final class Hardware {
    private Hardware() {}

    /** {@code /proc/cpuinfo}'s first model name and flags, read on first use. */
    private static final class CpuInfo {
        static final String MODEL;
        static final Set<String> FLAGS;

        static {
            String model = null;
            Set<String> flags = null;
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    if (model == null && line.startsWith("model name")) {
                        model = line.substring(line.indexOf(':') + 1).strip();
                    } else if (flags == null && line.startsWith("flags")) {
                        flags = Set.of(line.substring(line.indexOf(':') + 1).strip().split("\\s+"));
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not Linux: model from os.arch, flags unknown
            }
            MODEL = model != null ? model : System.getProperty("os.arch");
            FLAGS = flags;
        }
    }

    /** The CPU's model name ({@code os.arch} where {@code /proc/cpuinfo} is not readable). */
    public static String cpuModel() {
        return CpuInfo.MODEL;
    }

    /** Logical CPUs this JVM may use. */
    public static int logicalCpus() {
        return Runtime.getRuntime().availableProcessors();
    }

    /** "yes", "no" or "unknown" (flags not readable) for one {@code /proc/cpuinfo} flag such as {@code avx512_vnni}. */
    public static String flag(String name) {
        return CpuInfo.FLAGS == null ? "unknown" : CpuInfo.FLAGS.contains(name) ? "yes" : "no";
    }

    /** True when the CPU has an int8 dot-product instruction (AVX-512 VNNI or AVX-VNNI). */
    public static boolean hasVnni() {
        return flag("avx512_vnni").equals("yes") || flag("avx_vnni").equals("yes");
    }

    /** CPU model, logical CPUs and the int8 dot-product instruction sets (AVX2, AVX-512 VNNI, AVX-VNNI). */
    public static String describe() {
        return String.format(Locale.ROOT, "%s, %d logical CPUs, AVX2 %s, AVX-512 VNNI %s, AVX-VNNI %s", cpuModel(),
                logicalCpus(), flag("avx2"), flag("avx512_vnni"), flag("avx_vnni"));
    }

    /** CPU model, logical CPUs, the engine and its intra-op / inter-op thread counts (-1 where not PyTorch). */
    public static String describeWithEngine() {
        int threads = -1;
        int interop = -1;
        try {
            threads = ai.djl.pytorch.jni.JniUtils.getNumThreads();
            interop = ai.djl.pytorch.jni.JniUtils.getNumInteropThreads();
        } catch (RuntimeException | LinkageError e) {
            // engine not PyTorch
        }
        return String.format(Locale.ROOT, "%s, %d logical CPUs, %s %s, %d intra-op / %d inter-op threads",
                cpuModel(), logicalCpus(), Engine.getInstance().getEngineName(), Engine.getInstance().getVersion(),
                threads, interop);
    }

    /** The one-minute load average from {@code /proc/loadavg}, or "?" where it is not readable. */
    public static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip().split("\\s+")[0];
        } catch (IOException | RuntimeException e) {
            return "?";
        }
    }
}
