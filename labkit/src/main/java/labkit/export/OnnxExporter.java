package labkit.export;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import labkit.nn.BlockTree;

/**
 * Writes a labkit model (a DJL block tree built from {@code labkit.nn}) as an fp32 ONNX model: the tree is walked
 * by block class, each class written by its {@link BlockExporter} (Conv2d, BatchNorm — folded into the conv before
 * it —, Linear, activations, pooling, flatten, up-sampling, pixel shuffle as DepthToSpace CRD, add, concat,
 * residuals, inverted residuals, BiFPN, ResNet, the SR net). The input is named {@code input} (N×C×H×W with a
 * symbolic batch axis "N"), the outputs {@code output} (or {@code output0}, {@code output1}, … for several).
 * A block class with no exporter stops the export with an {@link UnsupportedBlockException} naming its path.
 *
 * <pre>{@code
 * ExportResult r = OnnxExporter.builder().build().export(model, new Shape(1, 3, 224, 224), Path.of("model.onnx"));
 * }</pre>
 */
public final class OnnxExporter {
    /** The ONNX opset written (Resize 13, HardSwish 14, per-axis QuantizeLinear 13; ORT 1.23 runs up to 23). */
    public static final long OPSET = 17;
    /** Metadata key holding the exported model's structure fingerprint (see {@link #fingerprint(Block)}). */
    public static final String FINGERPRINT_KEY = "labkit.fingerprint";
    /** Metadata key holding the exported model's description ({@code toString()} or class name). */
    public static final String MODEL_KEY = "labkit.model";

    private final Map<Class<?>, BlockExporter> exporters;
    private final String inputName;
    private final List<String> outputNames;

    private OnnxExporter(Builder b) {
        this.exporters = Map.copyOf(b.exporters);
        this.inputName = b.inputName;
        this.outputNames = List.copyOf(b.outputNames);
    }

    /** A builder with every labkit.nn, DJL core and labkit.models exporter registered. */
    public static Builder builder() {
        return new Builder();
    }

    /** Exports {@code model}, traced with one input of {@code inputShape}, to an ONNX {@link ModelProto}. */
    public ModelProto toProto(Block model, Shape inputShape) {
        return toProto(model, inputShape, null);
    }

    /**
     * Exports {@code model} as a static QDQ int8 model: {@code plan} says where QuantizeLinear/DequantizeLinear go and
     * which weights are stored as int8 (ONNX Runtime fuses the pattern into QLinearConv, QLinearAdd, …).
     * With a null plan this is the fp32 export.
     */
    public ModelProto toProto(Block model, Shape inputShape, QdqPlan plan) {
        return build(model, inputShape, plan, new ArrayList<>());
    }

    private ModelProto build(Block model, Shape inputShape, QdqPlan plan, List<String> warnings) {
        if (inputShape.dimension() < 2) {
            throw new IllegalArgumentException("inputShape must have a batch axis and at least one more, got " + inputShape);
        }
        OnnxGraph g = plan == null ? new OnnxGraph(exporters)
                : new OnnxGraph(exporters, plan.activations(), plan.weights(), true);
        g.reserve(inputName);
        OnnxValue in = new OnnxValue(inputName, inputShape);
        if (plan != null && plan.input() != null) {
            in = g.qdq(in, plan.input(), "input");
        }
        List<OnnxValue> outs = g.export(model, "", List.of(in));
        if (plan != null) {
            String unused = QdqPlan.unused(plan, g.metActivations, g.metWeights);
            if (unused != null) {
                throw new IllegalArgumentException("the QDQ plan names paths this model does not have (or that are"
                        + " not Conv2d/Linear for weights): " + unused);
            }
        }
        List<String> names = outputNames(outs.size());
        GraphProto.Builder gb = GraphProto.newBuilder().setName(describe(model));
        gb.addInput(valueInfo(inputName, inputShape));
        for (int i = 0; i < outs.size(); i++) {
            OnnxValue v = outs.get(i);
            String want = names.get(i);
            String got;
            if (g.producer(v.name()) != null && g.uses(v.name()) == 0 && outs.stream().filter(o -> o.name().equals(v.name())).count() == 1) {
                got = g.rename(v.name(), want);
            } else {
                got = g.node("Identity", want, List.of(v.name()));
            }
            if (!got.equals(want)) {
                throw new IllegalStateException("output name " + want + " is taken by a block path; choose other"
                        + " output names with OnnxExporter.Builder.outputNames(...)");
            }
            gb.addOutput(valueInfo(want, v.shape()));
        }
        g.writeTo(gb);
        warnings.addAll(g.warnings());
        if (plan != null) {
            warnings.addAll(floatWarnings(g.floatNodes()));
        }
        return ModelProto.newBuilder()
                .setIrVersion(8)
                .setProducerName("labkit")
                .setProducerVersion(String.valueOf(OnnxExporter.class.getPackage().getImplementationVersion()))
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .addMetadataProps(meta(MODEL_KEY, describe(model)))
                .addMetadataProps(meta(FINGERPRINT_KEY, fingerprint(model)))
                .setGraph(gb)
                .build();
    }

    /**
     * One warning per op type that stays float32 in ONNX Runtime (see {@link OnnxGraph#floatNodes()}), with the
     * count, up to three block paths and why: the QDQ points are where labkit's observers are, so an op with no
     * observer between it and the next int8 op has no int8 kernel to run on. labkit's PTQ observes SiLU's σ(x) and
     * product, squeeze-excitation's scale, residual adds, concatenations and BiFPN fusions, and max-pool, nearest
     * resize and flatten keep their input's grid, so a PTQ'd MobileNetV2 or depth net leaves nothing in float.
     */
    static List<String> floatWarnings(Map<String, List<String>> floatNodes) {
        List<String> out = new ArrayList<>();
        for (Map.Entry<String, List<String>> e : floatNodes.entrySet()) {
            List<String> paths = e.getValue();
            String examples = String.join(", ", paths.subList(0, Math.min(3, paths.size())))
                    + (paths.size() > 3 ? ", …" : "");
            out.add("float in ONNX Runtime: " + paths.size() + " " + e.getKey() + " (" + examples + "): its input is"
                    + " not an int8 value or its output is not re-quantized (no labkit observer there), so it computes"
                    + " in float32 between DequantizeLinear and QuantizeLinear");
        }
        return out;
    }

    /** Exports {@code model} to {@code file} (parent folders created); returns what was written. */
    public ExportResult export(Block model, Shape inputShape, Path file) {
        return write(toProto(model, inputShape), file, List.of());
    }

    /** Exports {@code model} as static QDQ int8 per {@code plan} to {@code file}. */
    public ExportResult exportInt8(Block model, Shape inputShape, QdqPlan plan, Path file) {
        if (plan == null) {
            throw new IllegalArgumentException("exportInt8 needs a QdqPlan (scales and zero points); use export() for fp32");
        }
        List<String> warnings = new ArrayList<>();
        return write(build(model, inputShape, plan, warnings), file, warnings);
    }

    private static ExportResult write(ModelProto m, Path file, List<String> warnings) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.write(file, m.toByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write ONNX file " + file + ": " + e.getMessage(), e);
        }
        return ExportResult.of(file, m, warnings);
    }

    private List<String> outputNames(int n) {
        if (!outputNames.isEmpty()) {
            if (outputNames.size() != n) {
                throw new IllegalArgumentException("the model has " + n + " outputs but " + outputNames.size()
                        + " output names were given: " + outputNames);
            }
            return outputNames;
        }
        if (n == 1) {
            return List.of("output");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add("output" + i);
        }
        return out;
    }

    private static ValueInfoProto valueInfo(String name, Shape s) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (int d = 1; d < s.dimension(); d++) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(s.get(d)));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT.getNumber()).setShape(shape)))
                .build();
    }

    private static StringStringEntryProto meta(String k, String v) {
        return StringStringEntryProto.newBuilder().setKey(k).setValue(v).build();
    }

    static String describe(Block model) {
        String s = model.toString();
        return s.length() > 200 || s.contains("\n") ? model.getClass().getSimpleName() : s;
    }

    /**
     * A short hash of the model's structure: every parameter's PyTorch-style name and shape. Two models of the same
     * architecture share it; an ONNX file checked against another model fails with a clear message.
     */
    public static String fingerprint(Block model) {
        Map<String, String> sorted = new TreeMap<>();
        for (Map.Entry<String, Parameter> e : BlockTree.parameters(model).entrySet()) {
            Parameter p = e.getValue();
            sorted.put(e.getKey(), p.isInitialized() ? p.getArray().getShape().toString() : "?");
        }
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] h = md.digest(sorted.toString().getBytes(StandardCharsets.UTF_8));
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < 8; i++) {
                sb.append(String.format("%02x", h[i]));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Builder: input/output names and extra block exporters. */
    public static final class Builder {
        private final Map<Class<?>, BlockExporter> exporters = new HashMap<>();
        private String inputName = "input";
        private List<String> outputNames = List.of();

        private Builder() {
            NnExporters.registerAll(exporters);
            ModelExporters.registerAll(exporters);
            QuantExporters.registerAll(exporters);
        }

        /** Name of the graph input (default "input"). */
        public Builder inputName(String name) {
            this.inputName = name;
            return this;
        }

        /** Names of the graph outputs, one per model output (default "output", or "output0", "output1", …). */
        public Builder outputNames(String... names) {
            this.outputNames = List.of(names);
            return this;
        }

        /** Registers (or replaces) the exporter of one block class (matched exactly, not by subclass). */
        public Builder register(Class<? extends Block> type, BlockExporter exporter) {
            exporters.put(type, exporter);
            return this;
        }

        public OnnxExporter build() {
            return new OnnxExporter(this);
        }
    }
}
