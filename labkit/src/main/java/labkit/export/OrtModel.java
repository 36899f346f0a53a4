package labkit.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * An ONNX model running on ONNX Runtime's CPU provider through ORT's own Java API, with explicit threads
 * (intra-op threads as given, one inter-op thread, sequential execution, all graph optimisations — ORT fuses a
 * QDQ graph into QLinearConv and friends only at that level). Errors name the file: a missing, corrupt or
 * non-ONNX file, or an input that does not fit the model, raise {@link OnnxModelException} with the fix.
 *
 * <pre>{@code
 * try (OrtModel ort = OrtModel.open(Path.of("model.onnx"), 1)) {
 *     NDArray y = ort.predict(x);   // x: N×C×H×W float32, y in x's manager
 * }
 * }</pre>
 */
public final class OrtModel implements AutoCloseable {
    private final Path file;
    private final OrtSession session;
    private final String inputName;
    private final long[] inputShape;
    private final List<String> outputNames;
    private final Map<String, String> metadata;
    private final int threads;

    private OrtModel(Path file, OrtSession session, int threads) throws OrtException {
        this.file = file;
        this.session = session;
        this.threads = threads;
        if (session.getNumInputs() != 1) {
            throw new OnnxModelException("ONNX file " + file + " has " + session.getNumInputs() + " inputs "
                    + session.getInputNames() + "; OrtModel runs single-input models (labkit exports have one, 'input')");
        }
        Map.Entry<String, NodeInfo> in = session.getInputInfo().entrySet().iterator().next();
        this.inputName = in.getKey();
        this.inputShape = ((TensorInfo) in.getValue().getInfo()).getShape();
        this.outputNames = new ArrayList<>(session.getOutputNames());
        this.metadata = Map.copyOf(session.getMetadata().getCustomMetadata());
    }

    /** Opens {@code file} with {@code intraOpThreads} threads (≥ 1) and ORT's intra-op spinning on (its default). */
    public static OrtModel open(Path file, int intraOpThreads) {
        return open(file, intraOpThreads, true);
    }

    /**
     * Opens {@code file}; {@code spinning} false stops idle ORT worker threads from busy-waiting (kinder on a
     * shared 1–2 CPU machine, a little slower per call).
     */
    public static OrtModel open(Path file, int intraOpThreads, boolean spinning) {
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("intraOpThreads must be >= 1, got " + intraOpThreads);
        }
        if (!Files.isRegularFile(file)) {
            throw new OnnxModelException("ONNX file " + file.toAbsolutePath() + " does not exist; export the model first"
                    + " (OnnxExporter.builder().build().export(model, inputShape, file))");
        }
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            o.setIntraOpNumThreads(intraOpThreads);
            o.setInterOpNumThreads(1);
            o.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
            OrtSession s;
            try {
                s = env.createSession(file.toString(), o);
            } catch (OrtException e) {
                throw new OnnxModelException("ONNX file " + file.toAbsolutePath() + " cannot be loaded by ONNX Runtime"
                        + " (corrupt, truncated or not an ONNX model): " + firstLine(e.getMessage())
                        + "; export the model again with OnnxExporter", e);
            }
            return new OrtModel(file, s, intraOpThreads);
        } catch (OrtException e) {
            throw new OnnxModelException("ONNX Runtime failed on " + file + ": " + firstLine(e.getMessage()), e);
        }
    }

    /**
     * The op types (with counts) of the graph ONNX Runtime actually runs for {@code file} after its optimisations
     * (ALL_OPT, as {@link #open} uses): a static QDQ int8 model shows how many convolutions became
     * {@code com.microsoft:QLinearConv} and how many stayed float {@code Conv}. Contrib ops carry their domain as a
     * prefix. ORT's own log lines are silenced (error level).
     */
    public static Map<String, Integer> optimizedOpCounts(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new OnnxModelException("ONNX file " + file.toAbsolutePath() + " does not exist; export the model first");
        }
        Path opt = null;
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession.SessionOptions o = new OrtSession.SessionOptions()) {
            opt = Files.createTempFile("labkit-ort-optimized", ".onnx");
            o.setIntraOpNumThreads(1);
            o.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            o.setSessionLogLevel(ai.onnxruntime.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
            o.setOptimizedModelFilePath(opt.toString());
            try (OrtSession s = env.createSession(file.toString(), o)) {
                // creating the session writes the optimised graph
            }
            ai.onnx.proto.OnnxMl.ModelProto m = ai.onnx.proto.OnnxMl.ModelProto.parseFrom(Files.readAllBytes(opt));
            Map<String, Integer> ops = new java.util.TreeMap<>();
            for (ai.onnx.proto.OnnxMl.NodeProto n : m.getGraph().getNodeList()) {
                ops.merge((n.getDomain().isEmpty() ? "" : n.getDomain() + ":") + n.getOpType(), 1, Integer::sum);
            }
            return ops;
        } catch (OrtException | java.io.IOException e) {
            throw new OnnxModelException("ONNX Runtime could not optimise " + file + ": " + firstLine(e.getMessage()), e);
        } finally {
            if (opt != null) {
                try {
                    Files.deleteIfExists(opt);
                } catch (java.io.IOException ignored) {
                    // a temp file
                }
            }
        }
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The file this model was loaded from. */
    public Path file() { return file; }
    /** The input name (labkit exports: "input"). */
    public String inputName() { return inputName; }
    /** The declared input shape; -1 marks a symbolic axis (the batch). */
    public long[] inputShape() { return inputShape.clone(); }
    /** Output names in graph order. */
    public List<String> outputNames() { return List.copyOf(outputNames); }
    /** The model's metadata (labkit writes {@value OnnxExporter#MODEL_KEY} and {@value OnnxExporter#FINGERPRINT_KEY}). */
    public Map<String, String> metadata() { return metadata; }
    /** Intra-op threads this session runs with. */
    public int threads() { return threads; }

    /**
     * Checks that this file was exported from a model with {@code model}'s structure (parameter names and shapes);
     * throws {@link OnnxModelException} naming the file and both models otherwise.
     */
    public OrtModel checkExportedFrom(Block model) {
        String want = OnnxExporter.fingerprint(model);
        String got = metadata.get(OnnxExporter.FINGERPRINT_KEY);
        if (!want.equals(got)) {
            throw new OnnxModelException("ONNX file " + file + " was exported from "
                    + (got == null ? "a model without labkit metadata" : "'" + metadata.get(OnnxExporter.MODEL_KEY)
                    + "' (fingerprint " + got + ")") + ", not from this model '" + OnnxExporter.describe(model)
                    + "' (fingerprint " + want + "); export this model with OnnxExporter, or open the right file");
        }
        return this;
    }

    private void checkInput(long[] shape) {
        boolean ok = shape.length == inputShape.length;
        for (int d = 0; ok && d < shape.length; d++) {
            ok = inputShape[d] < 0 || inputShape[d] == shape[d];
        }
        if (!ok) {
            throw new OnnxModelException("ONNX file " + file + " expects input '" + inputName + "' of shape "
                    + dims(inputShape) + " (-1 = any), got " + dims(shape) + "; resize the input, or use the ONNX file"
                    + " exported for this input size / model");
        }
    }

    private static String dims(long[] s) {
        return Arrays.toString(s);
    }

    /** Runs the model on {@code data} laid out as {@code shape}; returns every output as (values, shape). */
    public List<Output> run(float[] data, long... shape) {
        checkInput(shape);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(data), shape);
                OrtSession.Result r = session.run(Map.of(inputName, t))) {
            List<Output> out = new ArrayList<>();
            for (int i = 0; i < r.size(); i++) {
                OnnxTensor o = (OnnxTensor) r.get(i);
                FloatBuffer fb = o.getFloatBuffer();
                float[] v = new float[fb.remaining()];
                fb.get(v);
                out.add(new Output(outputNames.get(i), v, o.getInfo().getShape()));
            }
            return out;
        } catch (OrtException e) {
            throw new OnnxModelException("ONNX Runtime failed running " + file + " on input " + dims(shape) + ": "
                    + firstLine(e.getMessage()), e);
        }
    }

    /** Runs on a direct buffer without copying the input (the bench uses this); returns nothing. */
    public void runDiscard(OnnxTensor input) {
        try (OrtSession.Result r = session.run(Map.of(inputName, input))) {
            r.get(0);
        } catch (OrtException e) {
            throw new OnnxModelException("ONNX Runtime failed running " + file + ": " + firstLine(e.getMessage()), e);
        }
    }

    /** Runs on an N×C×H×W (or any shape the model takes) float32 array; the first output, in {@code x}'s manager. */
    public NDArray predict(NDArray x) {
        return predictAll(x).head();
    }

    /** Runs on {@code x}; every output, in {@code x}'s manager. */
    public NDList predictAll(NDArray x) {
        NDManager m = x.getManager();
        float[] data = x.toType(DataType.FLOAT32, false).toFloatArray();
        NDList out = new NDList();
        for (Output o : run(data, x.getShape().getShape())) {
            out.add(m.create(o.values(), new Shape(o.shape())));
        }
        return out;
    }

    @Override
    public void close() {
        try {
            session.close();
        } catch (OrtException e) {
            throw new OnnxModelException("closing ONNX Runtime session of " + file + " failed: " + e.getMessage(), e);
        }
    }

    /** One output of a run: its name, values (row-major) and shape. */
    public record Output(String name, float[] values, long[] shape) {}
}
