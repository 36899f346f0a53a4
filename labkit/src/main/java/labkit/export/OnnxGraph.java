package labkit.export;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * An ONNX graph being written by {@link OnnxExporter}: nodes in topological order, constant tensors
 * (initializers) kept as Java arrays until the end so that a BatchNorm can still be folded into the convolution
 * before it, and the registry of {@link BlockExporter}s that {@link #export} dispatches to by block class.
 * Value names are the blocks' dotted paths, so the graph reads like the model in Netron.
 */
public final class OnnxGraph {
    private final Map<Class<?>, BlockExporter> exporters;
    private final List<NodeProto.Builder> nodes = new ArrayList<>();
    private final Map<String, NodeProto.Builder> producers = new HashMap<>();
    private final Map<String, Integer> uses = new HashMap<>();
    private final Set<String> retired = new HashSet<>();
    private final Set<String> names = new HashSet<>();
    private final Map<String, FloatConstant> floats = new LinkedHashMap<>();
    private final Map<String, TensorProto> others = new LinkedHashMap<>();
    private final Map<String, QdqParams> activationQ;
    private final Map<String, QdqParams> weightQ;
    private final Map<String, QdqParams> dqParams = new HashMap<>();
    private final List<String> warnings = new ArrayList<>();
    final Set<String> metActivations = new HashSet<>();
    final Set<String> metWeights = new HashSet<>();

    private final boolean quantized;

    OnnxGraph(Map<Class<?>, BlockExporter> exporters) {
        this(exporters, Map.of(), Map.of(), false);
    }

    OnnxGraph(Map<Class<?>, BlockExporter> exporters, Map<String, QdqParams> activationQ, Map<String, QdqParams> weightQ,
            boolean quantized) {
        this.exporters = exporters;
        this.activationQ = activationQ;
        this.weightQ = weightQ;
        this.quantized = quantized;
    }

    /** True in a static QDQ int8 export (observers then write their QuantizeLinear/DequantizeLinear). */
    public boolean quantized() {
        return quantized;
    }

    /** The int8 weight params of the conv/linear at {@code path}, or null when it stays float (fp32 export). */
    public QdqParams weightQParams(String path) {
        QdqParams p = weightQ.get(path);
        if (p != null) {
            metWeights.add(path);
        }
        return p;
    }

    /** The activation params after the block at {@code path}, or null. */
    public QdqParams activationQParams(String path) {
        return activationQ.get(path);
    }

    /** The per-tensor scale of {@code value} when a DequantizeLinear wrote it (for int32 bias scales), else null. */
    public Float dequantizedScale(String value) {
        QdqParams p = dqParams.get(value);
        return p == null || p.isPerChannel() ? null : p.scale()[0];
    }

    /** The params of the DequantizeLinear that wrote {@code value}, or null. */
    public QdqParams dequantizedParams(String value) {
        return dqParams.get(value);
    }

    /** Records a warning that the export result reports. */
    public void warn(String message) {
        warnings.add(message);
    }

    List<String> warnings() {
        return List.copyOf(warnings);
    }

    /**
     * Inserts QuantizeLinear → DequantizeLinear with {@code p} on {@code v} (ORT fuses them into the int8 ops); a
     * value that a DequantizeLinear with the same params just wrote is returned as it is.
     */
    public OnnxValue qdq(OnnxValue v, QdqParams p, String path) {
        if (p.equals(dqParams.get(v.name()))) {
            return v;
        }
        String[] sz = qparamConstants(p, path, false);
        String q = node("QuantizeLinear", path + "/q", List.of(v.name(), sz[0], sz[1]), axisAttrs(p));
        String dq = node("DequantizeLinear", path + "/dq", List.of(q, sz[0], sz[1]), axisAttrs(p));
        dqParams.put(dq, p);
        return new OnnxValue(dq, v.shape());
    }

    /**
     * For ops that only move or select values (max-pool, nearest resize, flatten, depth-to-space): when {@code in}
     * is an int8 value (a DequantizeLinear wrote it), {@code out} gets QuantizeLinear → DequantizeLinear with the
     * same params, which is exact (the values stay on the input's grid) and lets ONNX Runtime run the op on uint8.
     */
    public OnnxValue keepGrid(OnnxValue in, OnnxValue out, String path) {
        QdqParams p = quantized ? dqParams.get(in.name()) : null;
        return p == null || p.isPerChannel() ? out : qdq(out, p, path + "/grid");
    }

    /**
     * The integer tensor behind {@code value} when an activation DequantizeLinear wrote it (the name of the
     * DequantizeLinear's input), else null.
     */
    public String quantizedSource(String value) {
        NodeProto.Builder dq = producers.get(value);
        if (dq == null || !dq.getOpType().equals("DequantizeLinear") || !dqParams.containsKey(value)) {
            return null;
        }
        return producers.containsKey(dq.getInput(0)) ? dq.getInput(0) : null;
    }

    /** A DequantizeLinear of the integer tensor {@code quantized} with params {@code p}; returns its output name. */
    public String dequantize(String quantized, QdqParams p, String path) {
        String[] sz = qparamConstants(p, path, false);
        String dq = node("DequantizeLinear", path + "/dq", List.of(quantized, sz[0], sz[1]), axisAttrs(p));
        dqParams.put(dq, p);
        return dq;
    }

    private static AttributeProto[] axisAttrs(QdqParams p) {
        return p.isPerChannel() ? new AttributeProto[] {attr("axis", (long) p.axis())} : new AttributeProto[0];
    }

    /** Scale (float) and zero-point (int8/uint8, or int32 when {@code int32}) constants: scalars or 1-D. */
    private String[] qparamConstants(QdqParams p, String path, boolean int32) {
        float[] s = p.scale();
        int[] z = p.zeroPoint();
        long[] dims = p.isPerChannel() ? new long[] {s.length} : new long[0];
        String scale = constant(path + ".scale", s, dims);
        byte[] raw;
        TensorProto.DataType type;
        if (int32) {
            ByteBuffer b = ByteBuffer.allocate(4 * z.length).order(ByteOrder.LITTLE_ENDIAN);
            for (int v : z) {
                b.putInt(v);
            }
            raw = b.array();
            type = TensorProto.DataType.INT32;
        } else {
            raw = new byte[z.length];
            for (int i = 0; i < z.length; i++) {
                raw[i] = (byte) z[i];
            }
            type = p.signed() ? TensorProto.DataType.INT8 : TensorProto.DataType.UINT8;
        }
        return new String[] {scale, rawConstant(path + ".zero_point", type, raw, dims)};
    }

    /**
     * A weight stored as int8 with {@code p} and read through DequantizeLinear ({@code perChannel} values per
     * output channel, axis 0); returns the dequantized value's name.
     */
    public String quantizedWeight(String path, float[] w, long[] dims, QdqParams p) {
        int per = (int) (w.length / dims[0]);
        if (p.isPerChannel() && (p.axis() != 0 || p.scale().length != dims[0])) {
            throw new IllegalArgumentException("weight of '" + path + "': per-channel params for " + p.scale().length
                    + " channels on axis " + p.axis() + ", but the weight has " + dims[0] + " output channels (axis 0)");
        }
        int[] q = p.quantize(w, per);
        byte[] raw = new byte[q.length];
        for (int i = 0; i < q.length; i++) {
            raw[i] = (byte) q[i];
        }
        String qw = rawConstant(path + ".weight_int8", p.signed() ? TensorProto.DataType.INT8 : TensorProto.DataType.UINT8,
                raw, dims);
        String[] sz = qparamConstants(p, path + ".weight", false);
        return node("DequantizeLinear", path + ".weight/dq", List.of(qw, sz[0], sz[1]), axisAttrs(p));
    }

    /**
     * A bias stored as int32 with scale {@code inputScale × weightScale[c]} and zero point 0 (as ORT's and PyTorch's
     * int8 kernels use it), read through DequantizeLinear; returns the dequantized value's name.
     */
    public String quantizedBias(String path, float[] b, float inputScale, QdqParams w) {
        float[] ws = w.scale();
        float[] s = new float[w.isPerChannel() ? b.length : 1];
        for (int c = 0; c < s.length; c++) {
            s[c] = inputScale * ws[w.isPerChannel() ? c : 0];
        }
        int[] q = new int[b.length];
        for (int c = 0; c < b.length; c++) {
            q[c] = (int) Math.rint(b[c] / s[w.isPerChannel() ? c : 0]);
        }
        QdqParams bp = new QdqParams(s, new int[s.length], w.isPerChannel() ? 0 : -1, true, -128, 127);
        ByteBuffer buf = ByteBuffer.allocate(4 * q.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : q) {
            buf.putInt(v);
        }
        String qb = rawConstant(path + ".bias_int32", TensorProto.DataType.INT32, buf.array(), b.length);
        String[] sz = qparamConstants(bp, path + ".bias", true);
        return node("DequantizeLinear", path + ".bias/dq", List.of(qb, sz[0], sz[1]), axisAttrs(bp));
    }

    /** A float32 constant that stays editable until the graph is built (BN folding rewrites conv weights). */
    public static final class FloatConstant {
        private final String name;
        private float[] data;
        private final long[] dims;

        FloatConstant(String name, float[] data, long[] dims) {
            this.name = name;
            this.data = data;
            this.dims = dims.clone();
        }

        public String name() { return name; }
        public float[] data() { return data; }
        public long[] dims() { return dims.clone(); }
        /** Replaces the values (same size). */
        public void set(float[] values) {
            if (values.length != data.length) {
                throw new IllegalArgumentException("constant " + name + " has " + data.length + " values, got "
                        + values.length);
            }
            this.data = values;
        }
    }

    /** Exports a child block by its class; throws {@link UnsupportedBlockException} naming the path when unknown. */
    public List<OnnxValue> export(Block block, String path, List<OnnxValue> inputs) {
        BlockExporter e = exporters.get(block.getClass());
        if (e == null) {
            throw new UnsupportedBlockException(path, block.getClass());
        }
        List<OnnxValue> out = e.export(block, path, inputs, this);
        if (out == null || out.isEmpty()) {
            throw new IllegalStateException("exporter for " + block.getClass().getName() + " at '" + path
                    + "' returned no outputs");
        }
        QdqParams q = activationQ.get(path);
        if (q != null) {
            metActivations.add(path);
            if (out.size() != 1) {
                throw new IllegalArgumentException("activation QDQ params given for '" + path + "', which has "
                        + out.size() + " outputs; put them on a single-output block");
            }
            return List.of(qdq(out.get(0), q, path));
        }
        return out;
    }

    /** Exports a single-input, single-output child. */
    public OnnxValue export1(Block block, String path, OnnxValue input) {
        List<OnnxValue> out = export(block, path, List.of(input));
        if (out.size() != 1) {
            throw new IllegalStateException("block '" + path + "' gave " + out.size() + " outputs where one was expected");
        }
        return out.get(0);
    }

    /** A fresh value name derived from {@code base} (a block path; "" becomes "value"). */
    public String fresh(String base) {
        String b = base == null || base.isEmpty() ? "value" : base;
        String n = b;
        for (int i = 1; names.contains(n); i++) {
            n = b + "_" + i;
        }
        names.add(n);
        return n;
    }

    /** Registers a graph input name so no node output takes it. */
    void reserve(String name) {
        if (!names.add(name)) {
            throw new IllegalArgumentException("duplicate ONNX value name " + name);
        }
    }

    /**
     * Adds a node {@code op} reading {@code inputs} ("" for an omitted optional input) and writing one new value
     * named after {@code path}; returns the output name.
     */
    public String node(String op, String path, List<String> inputs, AttributeProto... attributes) {
        String out = fresh(path);
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(fresh(path + "/" + op)).addOutput(out);
        for (String in : inputs) {
            if (!in.isEmpty()) {
                use(in);
            }
            n.addInput(in);
        }
        for (AttributeProto a : attributes) {
            n.addAttribute(a);
        }
        nodes.add(n);
        producers.put(out, n);
        return out;
    }

    private void use(String value) {
        if (retired.contains(value)) {
            throw new IllegalStateException("value " + value + " was folded into a following BatchNorm and cannot be"
                    + " read again; the exporter cannot fold a BatchNorm whose convolution output is used elsewhere");
        }
        uses.merge(value, 1, Integer::sum);
    }

    /** Number of nodes that read {@code value} so far. */
    public int uses(String value) {
        return uses.getOrDefault(value, 0);
    }

    /** The node that writes {@code value}, or null for graph inputs and constants. */
    public NodeProto.Builder producer(String value) {
        return producers.get(value);
    }

    /** The editable float constant named {@code name}, or null. */
    public FloatConstant floatConstant(String name) {
        return floats.get(name);
    }

    /**
     * Renames the output of {@code value}'s producer to a fresh name from {@code path}, so a folded op's result
     * carries the name of the block it absorbed; {@code value} may not be read afterwards.
     */
    public String rename(String value, String path) {
        NodeProto.Builder n = producers.remove(value);
        if (n == null) {
            throw new IllegalStateException("no node writes " + value);
        }
        String out = fresh(path);
        for (int i = 0; i < n.getOutputCount(); i++) {
            if (n.getOutput(i).equals(value)) {
                n.setOutput(i, out);
            }
        }
        producers.put(out, n);
        retired.add(value);
        return out;
    }

    /** Adds a float32 constant named after {@code path}. */
    public String constant(String path, float[] data, long... dims) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("constant " + path + ": " + data.length + " values for dims "
                    + java.util.Arrays.toString(dims));
        }
        String name = fresh(path);
        floats.put(name, new FloatConstant(name, data.clone(), dims));
        return name;
    }

    /** A float32 scalar (rank 0) constant. */
    public String scalar(String path, float v) {
        return constant(path, new float[] {v});
    }

    /** Adds an int64 constant (shapes, axes). */
    public String int64(String path, long[] data, long... dims) {
        String name = fresh(path);
        ByteBuffer b = ByteBuffer.allocate(8 * data.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long v : data) {
            b.putLong(v);
        }
        others.put(name, tensor(name, TensorProto.DataType.INT64, dims, b.array()));
        return name;
    }

    /** Adds an int8, uint8 or int32 constant from raw little-endian bytes. */
    public String rawConstant(String path, TensorProto.DataType type, byte[] raw, long... dims) {
        String name = fresh(path);
        others.put(name, tensor(name, type, dims, raw));
        return name;
    }

    private static TensorProto tensor(String name, TensorProto.DataType type, long[] dims, byte[] raw) {
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type.getNumber())
                .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /** Number of nodes written so far. */
    public int nodeCount() {
        return nodes.size();
    }

    /** Ops that move data only: ORT runs them on int8 when a DequantizeLinear feeds them and a QuantizeLinear follows. */
    private static final Set<String> QDQ_FREE = Set.of("QuantizeLinear", "DequantizeLinear", "Identity");

    /**
     * The nodes of a QDQ graph that ONNX Runtime cannot run on int8, grouped by op type: a node runs int8 (QLinearConv,
     * QLinearAdd, QLinearSigmoid, …) only when every non-constant input comes from a DequantizeLinear and every reader
     * of its output is a QuantizeLinear; any other node computes in float32 between a DequantizeLinear and the next
     * QuantizeLinear. Returns op type → node names (paths), in graph order.
     */
    Map<String, List<String>> floatNodes() {
        Map<String, Integer> readers = new HashMap<>();
        Map<String, Boolean> allReadersQuantize = new HashMap<>();
        for (NodeProto.Builder n : nodes) {
            for (String in : n.getInputList()) {
                readers.merge(in, 1, Integer::sum);
                allReadersQuantize.merge(in, n.getOpType().equals("QuantizeLinear"), Boolean::logicalAnd);
            }
        }
        // ORT drops a Relu (or Clip) right before a QuantizeLinear whose zero point clips at 0 (ReluQuantFusion), so
        // Conv → Relu → Q still becomes one QLinearConv: such a Relu counts as part of the QuantizeLinear
        Set<String> reluIntoQ = new HashSet<>();
        for (NodeProto.Builder n : nodes) {
            if ((n.getOpType().equals("Relu") || n.getOpType().equals("Clip"))
                    && readers.getOrDefault(n.getOutput(0), 0) > 0 && allReadersQuantize.getOrDefault(n.getOutput(0), false)) {
                reluIntoQ.add(n.getOutput(0));
            }
        }
        Map<String, Boolean> readersQuantize = new HashMap<>();
        for (NodeProto.Builder n : nodes) {
            for (String in : n.getInputList()) {
                boolean q = n.getOpType().equals("QuantizeLinear") || reluIntoQ.contains(n.getOutput(0));
                readersQuantize.merge(in, q, Boolean::logicalAnd);
            }
        }
        Map<String, List<String>> out = new java.util.TreeMap<>();
        for (NodeProto.Builder n : nodes) {
            if (QDQ_FREE.contains(n.getOpType()) || reluIntoQ.contains(n.getOutput(0))) {
                continue;
            }
            boolean int8In = true;
            for (String in : n.getInputList()) {
                boolean constant = floats.containsKey(in) || others.containsKey(in) || in.isEmpty();
                NodeProto.Builder p = producers.get(in);
                if (!constant && (p == null || !p.getOpType().equals("DequantizeLinear"))) {
                    int8In = false;
                }
            }
            String y = n.getOutput(0);
            boolean int8Out = readers.getOrDefault(y, 0) > 0 && readersQuantize.getOrDefault(y, false);
            if (!(int8In && int8Out)) {
                String name = n.getName();
                out.computeIfAbsent(n.getOpType(), k -> new ArrayList<>())
                        .add(name.endsWith("/" + n.getOpType()) ? name.substring(0, name.length() - n.getOpType().length() - 1) : name);
            }
        }
        return out;
    }

    /** Writes nodes and constants into {@code g}; constants nobody reads any more (folded away) are dropped. */
    void writeTo(GraphProto.Builder g) {
        Set<String> read = new HashSet<>();
        for (NodeProto.Builder n : nodes) {
            g.addNode(n.build());
            read.addAll(n.getInputList());
        }
        for (FloatConstant c : floats.values()) {
            if (read.contains(c.name)) {
                ByteBuffer b = ByteBuffer.allocate(4 * c.data.length).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : c.data) {
                    b.putFloat(v);
                }
                g.addInitializer(tensor(c.name, TensorProto.DataType.FLOAT, c.dims, b.array()));
            }
        }
        for (TensorProto t : others.values()) {
            if (read.contains(t.getName())) {
                g.addInitializer(t);
            }
        }
    }

    /** An integer attribute. */
    public static AttributeProto attr(String name, long v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(v).build();
    }

    /** A float attribute. */
    public static AttributeProto attr(String name, float v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(v).build();
    }

    /** A string attribute. */
    public static AttributeProto attr(String name, String v) {
        return AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.STRING)
                .setS(ByteString.copyFromUtf8(v)).build();
    }

    /** An integer-list attribute. */
    public static AttributeProto attrs(String name, long... v) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long x : v) {
            a.addInts(x);
        }
        return a.build();
    }

    /** Shape helper: {@code s} with dimension {@code axis} replaced by {@code value}. */
    public static Shape withDim(Shape s, int axis, long value) {
        long[] d = s.getShape();
        d[axis] = value;
        return new Shape(d);
    }
}
