package labkit.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import labkit.export.EngineBench;
import labkit.export.OnnxExporter;
import labkit.export.OrtModel;
import labkit.models.ResNet;
import labkit.models.SuperResolutionNet;
import labkit.models.Task1Cnn;
import tech.tablesaw.api.Table;

/**
 * {@code labkit bench engines}: one latency table per model — DJL eager fp32 and ONNX Runtime fp32 at 1 and 2
 * threads, interleaved, with file sizes and each variant's max output difference from DJL fp32; the header states
 * the CPU, its load and the protocol. Weights are seeded random (latency does not depend on their values).
 */
public final class EnginesBench {
    private EnginesBench() {}

    /** The models the bench knows: a name, a builder and the input shape (batch 1). */
    public record Case(String name, Supplier<Block> model, Shape input) {}

    /** Models available on this branch. */
    public static List<Case> cases() {
        return List.of(
                new Case("resnet18", () -> ResNet.resnet18(1000), new Shape(1, 3, 224, 224)),
                new Case("task1", () -> Task1Cnn.create(10, 32), new Shape(1, 3, 32, 32)),
                new Case("sr", SuperResolutionNet::x3, new Shape(1, 1, 64, 64)));
    }

    /** Finds a case by name, or says which exist. */
    public static Case find(String name) {
        for (Case c : cases()) {
            if (c.name().equalsIgnoreCase(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown model '" + name + "'; choose one of "
                + cases().stream().map(Case::name).toList());
    }

    /** Measures {@code c} at each of {@code threads}; ONNX files go to {@code dir}. */
    public static Table run(Case c, int[] threads, int rounds, int reps, Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        int djlThreadsBefore = JniUtils.getNumThreads();
        String loadBefore = Machine.load();
        List<AutoCloseable> open = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            Block model = c.model().get();
            model.initialize(m, DataType.FLOAT32, c.input());
            seed(model, 1);
            float[] xv = new float[(int) c.input().size()];
            Random r = new Random(2);
            for (int i = 0; i < xv.length; i++) {
                xv[i] = (float) r.nextGaussian();
            }
            NDArray x = m.create(xv, c.input());
            ParameterStore ps = new ParameterStore(m, false);
            float[] ref = model.forward(ps, new NDList(x), false).head().toFloatArray();

            Path fp32 = dir.resolve(c.name() + "_fp32.onnx");
            OnnxExporter.builder().build().export(model, c.input(), fp32);
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            OnnxTensor input = OnnxTensor.createTensor(env, FloatBuffer.wrap(xv), c.input().getShape());
            open.add(input);

            EngineBench.Builder b = EngineBench.builder().rounds(rounds).reps(reps);
            for (int t : threads) {
                b.add(new EngineBench.Variant("DJL eager fp32", t, () -> JniUtils.setNumThreads(t), () -> {
                    try (NDManager s = m.newSubManager()) {
                        NDArray y = model.forward(ps, new NDList(x), false).head();
                        y.attach(s);
                        y.toFloatArray();
                    }
                }, Double.NaN, "reference"));
            }
            for (int t : threads) {
                OrtModel ort = OrtModel.open(fp32, t);
                open.add(ort);
                String diff = diff(ref, ort.run(xv, c.input().getShape()).get(0).values());
                b.add(new EngineBench.Variant("ORT fp32", t, () -> { }, () -> ort.runDiscard(input),
                        mb(fp32), diff));
            }
            Table table = b.run(c.name() + ", batch 1, input " + c.input());
            return table.setName(table.name() + " | " + Machine.cpu() + " | load before " + loadBefore + ", after "
                    + Machine.load());
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            JniUtils.setNumThreads(djlThreadsBefore);
            for (AutoCloseable a : open) {
                try {
                    a.close();
                } catch (Exception ignored) {
                    // best effort
                }
            }
        }
    }

    static double mb(Path f) {
        try {
            return Files.size(f) / 1e6;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String diff(float[] ref, float[] got) {
        double max = 0;
        for (int i = 0; i < ref.length; i++) {
            max = Math.max(max, Math.abs(ref[i] - got[i]));
        }
        return String.format("max |Δ| %.2g", max);
    }

    /** Seeded random weights: BN statistics included, so folding is exercised (latency does not care). */
    static void seed(Block model, long seed) {
        Random r = new Random(seed);
        for (var e : labkit.nn.BlockTree.parameters(model).entrySet()) {
            NDArray a = e.getValue().getArray();
            float[] v = new float[(int) a.size()];
            long fanIn = a.getShape().dimension() > 1 ? a.getShape().size() / a.getShape().get(0) : 1;
            for (int i = 0; i < v.length; i++) {
                v[i] = e.getKey().endsWith("running_var") ? 0.5f + r.nextFloat()
                        : a.getShape().dimension() == 1 ? (float) (e.getKey().endsWith("weight") ? 1 + 0.1 * r.nextGaussian()
                        : 0.1 * r.nextGaussian())
                        : (float) (r.nextGaussian() * Math.sqrt(2.0 / fanIn));
            }
            a.set(v);
        }
    }

    /** CPU model and load, for the table header. */
    static final class Machine {
        private Machine() {}

        static String cpu() {
            String name = "unknown CPU";
            try {
                for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    if (line.startsWith("model name")) {
                        name = line.substring(line.indexOf(':') + 1).trim();
                        break;
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // not Linux: keep "unknown CPU"
            }
            return name + ", " + Runtime.getRuntime().availableProcessors() + " CPUs";
        }

        static String load() {
            try {
                String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
                return f[0];
            } catch (IOException | RuntimeException e) {
                return "?";
            }
        }
    }
}
