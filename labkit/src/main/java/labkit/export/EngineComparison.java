package labkit.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import labkit.quant.BnFusion;
import labkit.quant.Ptq;
import labkit.quant.QConfig;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * One model through every inference engine and form: DJL eager fp32, DJL with BatchNorm folded, ONNX Runtime fp32
 * and — for a quantizable model (QuantStub at its input) — ONNX Runtime static QDQ int8 from labkit's PTQ with each
 * given qconfig, at each thread count; an interleaved {@link EngineBench} table with file sizes, each variant's
 * output difference from its reference and, when an {@link Evaluation} is given, its quality (accuracy, SSIM)
 * computed on the model that variant runs (the DJL block or the ORT session). Sessions and managers are closed when
 * the table is done.
 *
 * <pre>{@code
 * Table t = EngineComparison.builder("mobilenet_v2", m -> trainedCopy(m), new Shape(1, 3, 32, 32))
 *         .int8("per-channel", QConfig.fbgemm()).calibration(ptq -> ptq.calibrate(batches))
 *         .evaluation(infer -> Map.of("top-1", accuracy(infer))).threads(1, 2).build().run();
 * }</pre>
 */
public final class EngineComparison {
    /** Scores one variant: given its inference (N×C×H×W float32 → first output), metric name → value. */
    @FunctionalInterface
    public interface Evaluation {
        Map<String, Double> score(UnaryOperator<NDArray> infer);
    }

    private final String name;
    private final Function<NDManager, Block> model;
    private final Shape input;
    private final Map<String, QConfig> int8;
    private final Consumer<Ptq> calibration;
    private final Evaluation evaluation;
    private final List<String> qualityColumns;
    private final int[] threads;
    private final int warmup;
    private final int rounds;
    private final int reps;
    private final Path dir;
    private final Consumer<String> log;
    private final List<String> warnings = new ArrayList<>();
    private final Map<String, String> ortKernels = new LinkedHashMap<>();

    private EngineComparison(Builder b) {
        this.name = b.name;
        this.model = b.model;
        this.input = b.input;
        this.int8 = new LinkedHashMap<>(b.int8);
        this.calibration = b.calibration;
        this.evaluation = b.evaluation;
        this.qualityColumns = List.copyOf(b.qualityColumns);
        this.threads = b.threads.clone();
        this.warmup = b.warmup;
        this.rounds = b.rounds;
        this.reps = b.reps;
        this.dir = b.dir;
        this.log = b.log;
    }

    /**
     * A comparison of the model {@code model} builds — a fresh, initialised copy with its weights, in the given
     * manager, called once per form (PTQ and BN folding change a model in place) — on batch-1 inputs of
     * {@code input}.
     */
    public static Builder builder(String name, Function<NDManager, Block> model, Shape input) {
        return new Builder(name, model, input);
    }

    /** Export warnings of the int8 files (int16 saturation risks, ops left in float), after {@link #run()}. */
    public List<String> warnings() {
        return List.copyOf(warnings);
    }

    /** Per int8 file name: the int8 and float kernels of ONNX Runtime's optimised graph, after {@link #run()}. */
    public Map<String, String> ortKernels() {
        return java.util.Collections.unmodifiableMap(new LinkedHashMap<>(ortKernels));
    }

    /** Exports every form, scores it, and measures all variants interleaved; returns the table. */
    public Table run() {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the folder for the ONNX files " + dir + ": " + e.getMessage(), e);
        }
        ai.djl.engine.Engine.getEngine("PyTorch"); // loads the natives JniUtils needs
        int djlThreadsBefore = JniUtils.getNumThreads();
        List<AutoCloseable> open = new ArrayList<>();
        List<String> engines = new ArrayList<>();
        List<String> precisions = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            float[] xv = new float[(int) input.size()];
            Random r = new Random(2);
            for (int i = 0; i < xv.length; i++) {
                xv[i] = (float) r.nextGaussian();
            }
            EngineBench.Builder b = EngineBench.builder().warmup(warmup).rounds(rounds).reps(reps)
                    .qualityColumns(qualityColumns.toArray(new String[0]));

            Block eager = model.apply(m);
            float[] ref = forward(eager, xv, m);
            Map<String, Double> eagerQ = score(djlInference(eager, m));
            for (int t : threads) {
                b.add(new EngineBench.Variant("DJL eager fp32", t, () -> JniUtils.setNumThreads(t),
                        djl(eager, xv, m), Double.NaN, "reference", eagerQ));
                engines.add("DJL eager");
                precisions.add("fp32");
            }
            Block fused = model.apply(m);
            BnFusion.fuse(fused);
            String fusedDiff = diff(ref, forward(fused, xv, m)) + " vs DJL fp32";
            Map<String, Double> fusedQ = score(djlInference(fused, m));
            for (int t : threads) {
                b.add(new EngineBench.Variant("DJL BN-fused fp32", t, () -> JniUtils.setNumThreads(t),
                        djl(fused, xv, m), Double.NaN, fusedDiff, fusedQ));
                engines.add("DJL BN-fused");
                precisions.add("fp32");
            }

            Path fp32 = dir.resolve(name + "_fp32.onnx");
            OnnxExporter.builder().build().export(eager, input, fp32);
            List<Form> forms = new ArrayList<>();
            forms.add(new Form("ORT fp32", "fp32", fp32, ref, "DJL fp32"));
            for (Map.Entry<String, QConfig> e : int8.entrySet()) {
                float[] sim;
                Path f = dir.resolve(name + "_int8_" + e.getKey().replaceAll("[^A-Za-z0-9.-]+", "_") + ".onnx");
                ExportResult er;
                try (NDManager qm = m.newSubManager()) { // the quantized DJL copy is only needed until it is exported
                    Block q = model.apply(qm);
                    Ptq ptq = Ptq.prepare(q, e.getValue());
                    calibration.accept(ptq);
                    ptq.convert();
                    sim = forward(q, xv, qm);
                    er = OnnxExporter.builder().build().exportInt8(q, input, QdqPlan.of(ptq), f);
                }
                er.warnings().forEach(w -> warnings.add(e.getKey() + ": " + w));
                String kernels = kernels(f);
                ortKernels.put(f.getFileName().toString(), kernels);
                log.accept(name + " int8 " + e.getKey() + ": " + kernels);
                forms.add(new Form("ORT int8 " + e.getKey(), "int8 " + e.getKey(), f, sim, "labkit sim. int8"));
            }
            for (Form form : forms) {
                Map<String, Double> quality = null;
                for (int t : threads) {
                    OrtModel ort = OrtModel.open(form.file, t);
                    open.add(ort);
                    if (quality == null) {
                        quality = score(ort::predict);
                    }
                    OnnxTensor in = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), FloatBuffer.wrap(xv),
                            input.getShape());
                    open.add(in);
                    String d = diff(form.reference, ort.run(xv, input.getShape()).get(0).values()) + " vs "
                            + form.referenceName;
                    b.add(new EngineBench.Variant(form.name, t, () -> { }, () -> ort.runDiscard(in), mb(form.file), d,
                            quality));
                    engines.add("ONNX Runtime");
                    precisions.add(form.precision);
                }
            }
            Table table = b.run(name + ", batch 1, input " + input);
            table.insertColumn(1, StringColumn.create("engine", engines));
            table.insertColumn(2, StringColumn.create("precision", precisions));
            return table;
        } catch (OrtException e) {
            throw new OnnxModelException("ONNX Runtime failed in the engine comparison of " + name + ": "
                    + e.getMessage(), e);
        } finally {
            JniUtils.setNumThreads(djlThreadsBefore);
            for (AutoCloseable a : open) {
                try {
                    a.close();
                } catch (Exception ignored) {
                    // closing what we opened; nothing to recover
                }
            }
        }
    }

    private record Form(String name, String precision, Path file, float[] reference, String referenceName) {}

    private Map<String, Double> score(UnaryOperator<NDArray> infer) {
        return evaluation == null ? Map.of() : evaluation.score(infer);
    }

    /** One eval-mode forward in a sub-manager (its intermediate arrays freed at once); the first output's values. */
    private float[] forward(Block block, float[] xv, NDManager m) {
        try (NDManager s = m.newSubManager()) {
            return block.forward(new ParameterStore(s, false), new NDList(s.create(xv, input)), false).head()
                    .toFloatArray();
        }
    }

    /** DJL inference for evaluation: eval-mode forward, the result in the input's manager. */
    private static UnaryOperator<NDArray> djlInference(Block block, NDManager m) {
        return x -> block.forward(new ParameterStore(x.getManager(), false), new NDList(x), false).head();
    }

    /**
     * One timed DJL inference whose input lives in a sub-manager, so every intermediate array of the forward pass is
     * freed with it (an input from the long-lived manager would keep every call's activations alive).
     */
    private Runnable djl(Block block, float[] xv, NDManager m) {
        ParameterStore ps = new ParameterStore(m, false);
        return () -> {
            try (NDManager s = m.newSubManager()) {
                block.forward(ps, new NDList(s.create(xv, input)), false).head().toFloatArray();
            }
        };
    }

    /** "int8 45 QLinearConv, 16 QLinearSigmoid; float 48 Conv, …": the compute ops of ORT's optimised graph. */
    static String kernels(Path f) {
        StringBuilder q = new StringBuilder();
        StringBuilder fp = new StringBuilder();
        OrtModel.optimizedOpCounts(f).forEach((op, n) -> {
            if (op.contains("QLinear")) {
                q.append(q.length() == 0 ? "" : ", ").append(n).append(' ').append(op.replace("com.microsoft:", ""));
            } else if (List.of("Conv", "Gemm", "MatMul", "Sigmoid", "Mul", "Add", "GlobalAveragePool").contains(op)) {
                fp.append(fp.length() == 0 ? "" : ", ").append(n).append(' ').append(op);
            }
        });
        return "ONNX Runtime runs int8 " + (q.length() == 0 ? "nothing" : q) + "; float " + (fp.length() == 0
                ? "nothing" : fp);
    }

    static double mb(Path f) {
        try {
            return Files.size(f) / 1e6;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + f, e);
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

    /**
     * Builder: int8 forms (name → qconfig; none for a model without QuantStub), how PTQ calibrates, the evaluation,
     * declared quality columns, threads (default 1, 2), warm-up (10), rounds (15), calls per round (10), the folder
     * of the ONNX files and where progress lines go (default System.out).
     */
    public static final class Builder {
        private final String name;
        private final Function<NDManager, Block> model;
        private final Shape input;
        private final Map<String, QConfig> int8 = new LinkedHashMap<>();
        private Consumer<Ptq> calibration;
        private Evaluation evaluation;
        private final List<String> qualityColumns = new ArrayList<>();
        private int[] threads = {1, 2};
        private int warmup = 10;
        private int rounds = 15;
        private int reps = 10;
        private Path dir = Path.of("labkit-output", "engines");
        private Consumer<String> log = System.out::println;

        private Builder(String name, Function<NDManager, Block> model, Shape input) {
            if (name == null || name.isBlank() || model == null || input == null || input.get(0) != 1) {
                throw new IllegalArgumentException("EngineComparison needs a name, a model factory and a batch-1 input"
                        + " shape (1, C, H, W), got " + name + ", " + input);
            }
            this.name = name;
            this.model = model;
            this.input = input;
        }

        /** Adds an ONNX Runtime int8 form quantized by labkit's PTQ with {@code qconfig} (the model needs a QuantStub). */
        public Builder int8(String formName, QConfig qconfig) {
            int8.put(formName, qconfig);
            return this;
        }

        /** How PTQ calibrates each int8 form (e.g. {@code ptq -> ptq.calibrate(batches, 8)}); required with int8 forms. */
        public Builder calibration(Consumer<Ptq> c) { this.calibration = c; return this; }
        /** Scores each form (once, not per thread count); without it the table has no numbers for quality. */
        public Builder evaluation(Evaluation e) { this.evaluation = e; return this; }
        /** Quality columns to show even when there is no evaluation ("n/a", e.g. for untrained weights). */
        public Builder qualityColumns(String... names) { qualityColumns.addAll(List.of(names)); return this; }
        public Builder threads(int... t) { this.threads = t.clone(); return this; }
        public Builder warmup(int n) { this.warmup = n; return this; }
        public Builder rounds(int n) { this.rounds = n; return this; }
        public Builder reps(int n) { this.reps = n; return this; }
        /** Folder of the ONNX files (created). */
        public Builder dir(Path d) { this.dir = d; return this; }
        /** Where progress lines (ORT's kernel counts) go; {@code s -> { }} for none. */
        public Builder log(Consumer<String> l) { this.log = l; return this; }

        public EngineComparison build() {
            if (!int8.isEmpty() && calibration == null) {
                throw new IllegalArgumentException("int8 forms " + int8.keySet() + " need calibration(ptq -> ...)");
            }
            if (threads.length == 0) {
                throw new IllegalArgumentException("threads: give at least one thread count");
            }
            for (int t : threads) {
                if (t < 1) {
                    throw new IllegalArgumentException("thread counts must be >= 1, got " + t);
                }
            }
            return new EngineComparison(this);
        }
    }
}
