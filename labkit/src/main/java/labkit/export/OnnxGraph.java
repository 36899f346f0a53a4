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

    OnnxGraph(Map<Class<?>, BlockExporter> exporters) {
        this.exporters = exporters;
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
