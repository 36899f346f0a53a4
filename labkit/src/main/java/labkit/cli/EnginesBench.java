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
import labkit.export.ExportResult;
import labkit.export.QdqPlan;
import labkit.models.DepthNet;
import labkit.models.MobileNetV2;
import labkit.models.ResNet;
import labkit.nn.DeQuantStub;
import labkit.nn.QuantStub;
import labkit.nn.Sequential;
import labkit.quant.BnFusion;
import labkit.quant.MinMaxObserver;
import labkit.quant.Ptq;
import labkit.quant.QConfig;
import labkit.quant.QScheme;
import labkit.quant.QuantDType;
import labkit.models.SuperResolutionNet;
import labkit.models.Task1Cnn;
import tech.tablesaw.api.Table;

/**
 * {@code labkit bench engines}: one latency table per model — DJL eager fp32, DJL with BatchNorm folded, ONNX
 * Runtime fp32 and (for quantizable models) ONNX Runtime static QDQ int8 from labkit's PTQ with per-channel
 * (fbgemm qconfig) and per-tensor weights — at 1 and 2 threads, interleaved, with file sizes and each variant's max
 * output difference from DJL fp32; the header states the CPU, its load and the protocol. Weights are seeded random
 * and PTQ calibrates on random images: latency does not depend on the values (accuracy does: see the notebook).
 */
public final class EnginesBench {
    private EnginesBench() {}

    /**
     * The models the bench knows: a name, a builder and the input shape (batch 1); {@code quantizable} models
     * start with a QuantStub, so labkit's PTQ can quantize them and the int8 rows are measured too.
     */
    public record Case(String name, Supplier<Block> model, Shape input, boolean quantizable) {
        public Case(String name, Supplier<Block> model, Shape input) {
            this(name, model, input, false);
        }
    }

    /** The models: MobileNetV2 (torchvision's quantizable layout), the depth net, ResNet-18, Task 1 CNN, SR net. */
    public static List<Case> cases() {
        return List.of(
                new Case("mobilenet_v2", () -> MobileNetV2.builder().quantizable(true).build(),
                        new Shape(1, 3, 224, 224), true),
                new Case("depth", () -> new Sequential().add("quant", new QuantStub()).add("net", DepthNet.create())
                        .add("dequant", new DeQuantStub()), new Shape(1, 3, 224, 224), true),
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
                b.add(new EngineBench.Variant("DJL eager fp32", t, () -> JniUtils.setNumThreads(t),
                        djl(model, ps, x, m), Double.NaN, "reference"));
            }
            // the same weights, BatchNorm folded into the convs (labkit.quant.BnFusion)
            Block fused = c.model().get();
            fused.initialize(m, DataType.FLOAT32, c.input());
            seed(fused, 1);
            BnFusion.fuse(fused);
            String fusedDiff = diff(ref, fused.forward(ps, new NDList(x), false).head().toFloatArray());
            for (int t : threads) {
                b.add(new EngineBench.Variant("DJL BN-fused fp32", t, () -> JniUtils.setNumThreads(t),
                        djl(fused, ps, x, m), Double.NaN, fusedDiff + " vs DJL fp32"));
            }
            // rows: name, file, the output its difference is measured against (DJL fp32, or labkit's simulated int8)
            List<Object[]> files = new ArrayList<>();
            files.add(new Object[] {"ORT fp32", fp32, ref, "DJL fp32"});
            if (c.quantizable()) {
                for (String config : new String[] {"per-channel", "per-tensor"}) {
                    Block q = c.model().get();
                    q.initialize(m, DataType.FLOAT32, c.input());
                    seed(q, 1);
                    Ptq ptq;
                    try {
                        ptq = Ptq.prepare(q, config.equals("per-channel") ? QConfig.fbgemm() : perTensor());
                    } catch (IllegalArgumentException e) {
                        System.out.println(c.name() + ": no int8 rows, labkit.quant cannot prepare this model: "
                                + e.getMessage());
                        break;
                    }
                    Random cr = new Random(3);
                    for (int i = 0; i < 4; i++) {
                        float[] cv = new float[xv.length];
                        for (int j = 0; j < cv.length; j++) {
                            cv[j] = (float) cr.nextGaussian();
                        }
                        ptq.calibrate(m.create(cv, c.input()));
                    }
                    ptq.convert();
                    float[] sim = q.forward(ps, new NDList(x), false).head().toFloatArray();
                    Path f = dir.resolve(c.name() + "_int8_" + config + ".onnx");
                    ExportResult er = OnnxExporter.builder().build().exportInt8(q, c.input(), QdqPlan.of(ptq), f);
                    for (String w : er.warnings()) {
                        System.out.println("warning: " + w);
                    }
                    System.out.println(c.name() + " int8 " + config + ": " + ortKernels(f));
                    files.add(new Object[] {"ORT int8 " + config, f, sim, "labkit sim. int8"});
                }
            }
            for (Object[] nf : files) {
                Path f = (Path) nf[1];
                for (int t : threads) {
                    OrtModel ort = OrtModel.open(f, t);
                    open.add(ort);
                    String diff = diff((float[]) nf[2], ort.run(xv, c.input().getShape()).get(0).values())
                            + " vs " + nf[3];
                    b.add(new EngineBench.Variant((String) nf[0], t, () -> { }, () -> ort.runDiscard(input), mb(f),
                            diff));
                }
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

    /**
     * One DJL inference whose input lives in a sub-manager, so every intermediate array of the forward pass is
     * freed with it (an input from the long-lived manager would keep them all: ~50 MB per MobileNetV2 call).
     */
    private static Runnable djl(Block model, ParameterStore ps, NDArray x, NDManager m) {
        float[] xv = x.toFloatArray();
        Shape shape = x.getShape();
        return () -> {
            try (NDManager s = m.newSubManager()) {
                model.forward(ps, new NDList(s.create(xv, shape)), false).head().toFloatArray();
            }
        };
    }

    /** "ORT runs 45 QLinearConv, 48 Conv in float, …": the int8 and float compute ops of ORT's optimised graph. */
    static String ortKernels(Path f) {
        StringBuilder int8 = new StringBuilder();
        StringBuilder fp = new StringBuilder();
        OrtModel.optimizedOpCounts(f).forEach((op, n) -> {
            if (op.contains("QLinear")) {
                int8.append(int8.length() == 0 ? "" : ", ").append(n).append(' ').append(op.replace("com.microsoft:", ""));
            } else if (op.equals("Conv") || op.equals("Gemm") || op.equals("MatMul") || op.equals("Sigmoid")
                    || op.equals("Mul") || op.equals("Add") || op.equals("GlobalAveragePool")) {
                fp.append(fp.length() == 0 ? "" : ", ").append(n).append(' ').append(op);
            }
        });
        return "ONNX Runtime runs int8 " + (int8.length() == 0 ? "nothing" : int8) + "; float " + (fp.length() == 0
                ? "nothing" : fp);
    }

    /** Per-tensor symmetric int8 weights, 7-bit (reduce_range) min/max activations. */
    static QConfig perTensor() {
        return new QConfig("per-tensor", () -> MinMaxObserver.builder().reduceRange(true).build(),
                () -> MinMaxObserver.builder().dtype(QuantDType.QINT8).qscheme(QScheme.PER_TENSOR_SYMMETRIC).build());
    }

    static double mb(Path f) {
        try {
            return Files.size(f) / 1e6;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** "max |Δ| d / range r": the largest difference next to the reference's value range. */
    static String diff(float[] ref, float[] got) {
        double max = 0;
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < ref.length; i++) {
            max = Math.max(max, Math.abs(ref[i] - got[i]));
            lo = Math.min(lo, ref[i]);
            hi = Math.max(hi, ref[i]);
        }
        return String.format("max |Δ| %.2g / range %.2g", max, hi - lo);
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
                        : (float) (r.nextGaussian() * Math.sqrt(1.0 / fanIn)); // keeps random-net outputs O(1)
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
