package labkit.weights;

import java.nio.file.Path;

/**
 * Bench (not a test): reads and writes {@code .pth} files given on the command line, best of 5, and prints a
 * table. {@code java -cp labkit-all.jar labkit.weights.TorchFileBench a.pth b.pth}
 */
public final class TorchFileBench {
    private TorchFileBench() {}

    public static void main(String[] args) throws Exception {
        System.out.printf("%-40s %8s %10s %10s %10s%n", "file", "tensors", "MB", "read ms", "write ms");
        for (String a : args) {
            Path p = Path.of(a);
            StateDict sd = null;
            long bestRead = Long.MAX_VALUE;
            long bestWrite = Long.MAX_VALUE;
            Path out = Path.of(System.getProperty("java.io.tmpdir"), "bench-" + p.getFileName());
            for (int i = 0; i < 5; i++) {
                long t0 = System.nanoTime();
                sd = StateDict.read(p);
                long t1 = System.nanoTime();
                sd.write(out);
                long t2 = System.nanoTime();
                bestRead = Math.min(bestRead, t1 - t0);
                bestWrite = Math.min(bestWrite, t2 - t1);
            }
            java.nio.file.Files.deleteIfExists(out);
            System.out.printf("%-40s %8d %10.1f %10.1f %10.1f%n", p.getFileName(), sd.size(),
                    java.nio.file.Files.size(p) / 1e6, bestRead / 1e6, bestWrite / 1e6);
        }
    }
}
