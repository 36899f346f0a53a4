package labkit.cli;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.loss.L2Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import labkit.Labkit;
import labkit.bench.Hardware;
import labkit.bench.Quantiles;
import labkit.models.DepthNet;
import labkit.nn.BlockTree;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * {@code labkit bench depth}: DepthNet training images/s (AdamW, MSE, batch 8, 224²) and inference latency
 * (batch 1, 224², eval mode, median of repeated runs), with the machine, the PyTorch thread settings and the
 * process's peak resident memory, so the numbers can be put next to PyTorch's on the same machine.
 */
@Command(name = "depth", mixinStandardHelpOptions = true,
        description = "DepthNet training images/s (batch 8) and inference latency (batch 1), 224x224, peak RSS.")
public final class DepthBench implements Runnable {

    @Option(names = "--threads", converter = Ranges.Positive.class, description = "PyTorch intra-op threads (default: PyTorch's choice)")
    Integer threads;

    @Option(names = "--runs", converter = Ranges.Positive.class, description = "timed inference runs, median reported (default ${DEFAULT-VALUE})")
    int runs = 20;

    @Option(names = "--steps", converter = Ranges.Positive.class, description = "timed training steps (default ${DEFAULT-VALUE})")
    int steps = 6;

    @Option(names = "--batch", converter = Ranges.Positive.class, description = "training batch size (default ${DEFAULT-VALUE})")
    int batch = 8;

    @Option(names = "--size", converter = Ranges.ImageSide.class, description = "input side in pixels (default ${DEFAULT-VALUE})")
    int size = 224;

    @Override
    public void run() {
        if (threads != null) {
            System.setProperty("ai.djl.pytorch.num_threads", String.valueOf(threads));
        }
        System.out.println(Labkit.init());
        System.out.println(measure(runs, steps, batch, size).printAll());
    }

    /** Runs the benchmark and returns a two-column table (quantity, value). Training runs first, then inference. */
    public static Table measure(int runs, int steps, int batch, int size) {
        if (runs < 1 || steps < 1 || batch < 1) {
            throw new IllegalArgumentException("runs, steps and batch must each be at least 1, got runs=" + runs
                    + ", steps=" + steps + ", batch=" + batch);
        }
        if (size < 32 || size % 32 != 0) {
            throw new IllegalArgumentException("size must be a multiple of 32 and at least 32, got " + size);
        }
        StringColumn what = StringColumn.create("quantity");
        StringColumn value = StringColumn.create("value");
        what.append("machine");
        value.append(Hardware.cpuModel() + ", " + Hardware.logicalCpus() + " CPUs visible");
        what.append("PyTorch threads (intra-op / inter-op)");
        value.append(ai.djl.pytorch.jni.JniUtils.getNumThreads() + " / " + ai.djl.pytorch.jni.JniUtils.getNumInteropThreads());
        what.append("allocator (environment)");
        value.append(allocator(System.getenv()));
        Engine.getInstance().setRandomSeed(0);
        DepthNet net = DepthNet.create();
        try (Model model = Model.newInstance("depthnet")) {
            model.setBlock(net);
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(new L2Loss("mse", 1f))
                    .optOptimizer(Optimizer.adamW().optLearningRateTracker(Tracker.fixed(1e-3f)).build());
            try (Trainer trainer = model.newTrainer(cfg)) {
                trainer.initialize(new Shape(batch, 3, size, size));
                what.append("parameters");
                value.append(String.format(Locale.ROOT, "%,d", BlockTree.countParameters(net)));
                NDManager m = trainer.getManager();
                for (int i = 0; i < 2; i++) {
                    trainStep(trainer, m, batch, size);
                }
                double[] t = new double[steps];
                for (int i = 0; i < steps; i++) {
                    t[i] = trainStep(trainer, m, batch, size);
                }
                double median = Quantiles.median(t);
                what.append(String.format(Locale.ROOT, "training, batch %d, %d² (AdamW, MSE): images/s", batch, size));
                value.append(String.format(Locale.ROOT, "%.1f (median step %.0f ms of %d)", batch / median,
                        median * 1e3, steps));
                what.append("peak RSS after training (VmHWM)");
                value.append(memory());
            }
            try (NDManager m = NDManager.newBaseManager()) {
                ParameterStore ps = new ParameterStore(m, false);
                NDArray x = m.randomUniform(0f, 1f, new Shape(1, 3, size, size));
                double[] t = new double[runs];
                for (int i = -3; i < runs; i++) {
                    try (NDManager sub = m.newSubManager()) {
                        // intermediates land on the input's manager: give each run its own, closed after it
                        NDArray xi = x.duplicate();
                        xi.attach(sub);
                        long start = System.nanoTime();
                        NDArray y = net.forward(ps, new NDList(xi), false).singletonOrThrow();
                        y.toFloatArray();
                        if (i >= 0) {
                            t[i] = (System.nanoTime() - start) / 1e6;
                        }
                    }
                }
                Arrays.sort(t);
                what.append(String.format(Locale.ROOT, "inference, batch 1, %d²: latency ms (median of %d)", size, runs));
                value.append(String.format(Locale.ROOT, "%.1f (min %.1f, max %.1f)", Quantiles.median(t), t[0], t[runs - 1]));
                what.append("peak RSS after inference (VmHWM)");
                value.append(memory());
            }
        }
        return Table.create("DepthNet bench", what, value);
    }

    /**
     * One AdamW step. The forward pass runs in its own sub-manager that is closed before the backward pass: the
     * Java handles on intermediate arrays then no longer pin them, so autograd frees each saved activation as the
     * backward pass goes past it, as in PyTorch, which lowers the peak memory of a step.
     */
    private static double trainStep(Trainer trainer, NDManager manager, int batch, int size) {
        try (NDManager sub = manager.newSubManager()) {
            NDArray x = sub.randomUniform(0f, 1f, new Shape(batch, 3, size, size));
            NDArray y = sub.randomUniform(0f, 1f, new Shape(batch, 1, size / 4, size / 4));
            long start = System.nanoTime();
            try (GradientCollector gc = trainer.newGradientCollector()) {
                NDArray prediction;
                try (NDManager forward = sub.newSubManager()) {
                    NDArray input = x.duplicate();
                    input.attach(forward);
                    prediction = trainer.forward(new NDList(input)).singletonOrThrow();
                    prediction.attach(sub);
                }
                NDArray loss = trainer.getLoss().evaluate(new NDList(y), new NDList(prediction));
                gc.backward(loss);
            }
            trainer.step();
            return (System.nanoTime() - start) / 1e9;
        }
    }

    /** "VmHWM (peak) / VmRSS (now)" of this process from /proc/self/status, or "n/a" off Linux. */
    public static String memory() {
        try {
            String hwm = "?";
            String rss = "?";
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    hwm = mib(line);
                } else if (line.startsWith("VmRSS:")) {
                    rss = mib(line);
                }
            }
            return "peak " + hwm + " MiB, now " + rss + " MiB";
        } catch (IOException | RuntimeException e) {
            return "n/a";
        }
    }

    private static String mib(String line) {
        long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
        return String.valueOf(kb / 1024);
    }

    /**
     * The glibc malloc settings and preloaded allocator found in {@code env}: they change these numbers by more than
     * any code change (a fixed {@code MALLOC_MMAP_THRESHOLD_=131072} made training 2.6x slower through page faults).
     */
    static String allocator(Map<String, String> env) {
        String set = env.entrySet().stream()
                .filter(e -> e.getKey().startsWith("MALLOC_") || e.getKey().equals("LD_PRELOAD"))
                .map(e -> e.getKey() + "=" + e.getValue()).sorted().collect(Collectors.joining(" "));
        return set.isEmpty() ? "glibc defaults (the notebook kernel sets MALLOC_ARENA_MAX=2)" : set;
    }
}
