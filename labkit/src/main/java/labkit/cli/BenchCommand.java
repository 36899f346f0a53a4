package labkit.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Transform;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import labkit.Labkit;
import labkit.augment.ColorJitter;
import labkit.augment.RandomHorizontalFlip;
import labkit.augment.RandomPerspective;
import labkit.augment.RandomRotation;
import labkit.tasks.Task1;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** {@code labkit bench ...}: throughput tables measured on this machine (speed lives here, not in tests). */
@Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks that print a table.",
        subcommands = {BenchCommand.Augment.class, DepthBench.class, BenchCommand.Prune.class,
                BenchCommand.Engines.class, SrBench.class})
public final class BenchCommand implements Runnable {
    @Override
    public void run() {
        new picocli.CommandLine(this).usage(System.out);
    }

    /** Latency of a network before and after structured (channel) pruning, as a ratio from one interleaved run. */
    @Command(name = "prune", mixinStandardHelpOptions = true,
            description = "Unpruned vs channel-pruned network latency (ms per batch, speed-up), interleaved rounds.")
    static final class Prune implements Runnable {
        @Option(names = "--model", description = "task1, student or student-standard (default ${DEFAULT-VALUE})")
        String model = "task1";

        @Option(names = "--keep", converter = Ranges.Fraction.class, split = ",", description = "fractions of channels kept (default ${DEFAULT-VALUE})")
        double[] keep = {0.5, 0.25};

        @Option(names = "--batch", converter = Ranges.Positive.class, split = ",", description = "batch sizes (default ${DEFAULT-VALUE})")
        int[] batch = {1, 32};

        @Option(names = "--rounds", converter = Ranges.Positive.class, description = "interleaved rounds, median reported (default ${DEFAULT-VALUE})")
        int rounds = 7;

        @Option(names = "--reps", converter = Ranges.Positive.class, description = "forward passes per round (default ${DEFAULT-VALUE})")
        int reps = 20;

        @Override
        public void run() {
            System.out.println(Labkit.init());
            for (int b : batch) {
                System.out.println(labkit.cli.PruneBench.run(model, keep, b, rounds, reps).printAll());
            }
        }
    }

    /** Images per second through each Task 1 augmentation and the whole training pipeline. */
    @Command(name = "augment", mixinStandardHelpOptions = true,
            description = "Task 1 augmentation throughput (images/s) at 32x32, one thread; compare with torchvision.")
    static final class Augment implements Runnable {
        @Option(names = "--images", converter = Ranges.Positive.class, description = "images per measurement (default ${DEFAULT-VALUE})")
        int images = 3000;

        @Option(names = "--size", converter = Ranges.SmallImageSide.class, description = "image side in pixels (default ${DEFAULT-VALUE})")
        int size = Task1.IMAGE_SIZE;

        @Option(names = "--rounds", converter = Ranges.Positive.class, description = "measurement rounds, median reported (default ${DEFAULT-VALUE})")
        int rounds = 3;

        @Override
        public void run() {
            System.out.println(Labkit.init());
            Map<String, Transform> cases = new LinkedHashMap<>();
            cases.put("ColorJitter(0.3,0.3,0.3,0.05)", new ColorJitter(0.3, 0.3, 0.3, 0.05, 1));
            cases.put("RandomHorizontalFlip(0.5)", new RandomHorizontalFlip(0.5, 1));
            cases.put("RandomRotation(15)", new RandomRotation(15, 1));
            cases.put("RandomPerspective(0.3, 0.5)", new RandomPerspective(0.3, 0.5, 1));
            cases.put("Task 1 train pipeline (all + ToTensor + Normalize)", Task1.trainTransform(1));
            cases.put("Task 1 eval pipeline (ToTensor + Normalize)", Task1.evalTransform());
            StringColumn name = StringColumn.create("transform");
            DoubleColumn rate = DoubleColumn.create("images/s");
            DoubleColumn us = DoubleColumn.create("µs/image");
            try (NDManager manager = NDManager.newBaseManager()) {
                NDArray[] pool = new NDArray[64];
                Random rng = new Random(0);
                for (int i = 0; i < pool.length; i++) {
                    byte[] px = new byte[size * size * 3];
                    rng.nextBytes(px);
                    pool[i] = manager.create(java.nio.ByteBuffer.wrap(px), new Shape(size, size, 3),
                            ai.djl.ndarray.types.DataType.UINT8);
                }
                for (Map.Entry<String, Transform> e : cases.entrySet()) {
                    measure(manager, pool, e.getValue(), Math.min(images, 300)); // warm-up
                    double[] r = new double[rounds];
                    for (int k = 0; k < rounds; k++) {
                        r[k] = measure(manager, pool, e.getValue(), images);
                    }
                    java.util.Arrays.sort(r);
                    double median = r[rounds / 2];
                    name.append(e.getKey());
                    rate.append(Math.round(median));
                    us.append(Math.round(1e6 / median * 10) / 10.0);
                }
            }
            Table t = Table.create("Task 1 augmentation, " + size + "x" + size + ", median of " + rounds, name, rate, us);
            System.out.println(t.printAll());
            System.out.println("torchvision 1.13 reference on the course machine (DESIGN.md): ~1.8k images/s for the"
                    + " train pipeline at 32x32");
        }

        private static double measure(NDManager manager, NDArray[] pool, Transform t, int n) {
            long start = System.nanoTime();
            for (int i = 0; i < n; i++) {
                try (NDManager scope = manager.newSubManager()) {
                    NDArray x = pool[i % pool.length].duplicate();
                    x.attach(scope);
                    t.transform(x);
                }
            }
            return n / ((System.nanoTime() - start) / 1e9);
        }
    }

    /** Inference latency per engine (DJL, ONNX Runtime) and model form, interleaved, at 1 and 2 threads. */
    @Command(name = "engines", mixinStandardHelpOptions = true,
            description = "Latency table per model: DJL eager/BN-fused fp32 vs ONNX Runtime fp32/int8 (batch 1),"
                    + " interleaved rounds, file sizes and quality (n/a for untrained weights; see --trained).")
    static final class Engines implements Runnable {
        @Option(names = "--model", split = ",", description = "models, comma-separated (default ${DEFAULT-VALUE})")
        List<String> models = List.of("mobilenet_v2", "depth");

        @Option(names = "--threads", converter = Ranges.Positive.class, split = ",", description = "thread counts (default ${DEFAULT-VALUE})")
        int[] threads = {1, 2};

        @Option(names = "--rounds", converter = Ranges.Positive.class, description = "interleaved rounds (default ${DEFAULT-VALUE})")
        int rounds = 15;

        @Option(names = "--reps", converter = Ranges.Positive.class, description = "calls per variant per round (default ${DEFAULT-VALUE})")
        int reps = 10;

        @Option(names = "--dir", description = "where the ONNX files go (default ${DEFAULT-VALUE})")
        java.nio.file.Path dir = java.nio.file.Path.of("labkit-output", "engines");

        @Option(names = "--trained", description = "score trained models (top-1, SSIM) instead of timing untrained"
                + " 224² ones: trains Task 5's small MobileNetV2 on the offline shapes (32²) and a small DepthNet on the"
                + " synthetic depth scenes (64²) first, a few minutes (LABKIT_QUICK=1: under a minute)")
        boolean trained;

        @Override
        public void run() {
            System.out.println(Labkit.init());
            for (String m : models) {
                if (trained) {
                    System.out.println(EnginesBench.trained(m, threads, rounds, reps, dir).printAll());
                } else {
                    System.out.println(EnginesBench.run(EnginesBench.find(m), threads, rounds, reps, dir).printAll());
                }
            }
        }
    }
}
