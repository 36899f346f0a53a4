package labkit.compress;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.util.Pair;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import labkit.nn.Act;
import labkit.nn.BatchNorms;
import labkit.nn.BlockTree;
import labkit.nn.Complexity;
import labkit.nn.Flatten;
import labkit.nn.GlobalAvgPool;
import labkit.nn.MaxPool2d;
import labkit.nn.Sequential;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Structured channel pruning by BatchNorm scale, the homework's method (network slimming, Liu et al. 2017): the
 * channels between two layers are ranked by {@code |gamma|} of the BatchNorm they pass through, and the least
 * important are removed — from the convolution that makes them, from every channel-wise layer on the way
 * (BatchNorm, depthwise convolution, activation, pooling) and from the input of the next convolution or linear
 * layer. {@link #prune(NDManager)} builds a <em>new, smaller</em> network (new {@code Conv2d}/{@code BatchNorm}/
 * {@code Linear} blocks with fewer channels, the kept weights copied), so it is faster for real; the original is
 * left untouched. Fine-tune the result afterwards.
 *
 * <p>Each prunable channel group is named by the BatchNorm whose scale ranks it (the last one on the way, as the
 * homework ranks a depthwise-separable block's channels by the BN after its depthwise conv). Groups without a
 * BatchNorm, and the network's output, are not pruned. Supported trees: sequential containers of {@code Conv2d}
 * (plain or depthwise), {@code BatchNorm}, {@code Linear}, {@link Act}, {@link MaxPool2d}, {@link GlobalAvgPool},
 * {@link Flatten} and {@code Dropout} — the Task 1 CNN and {@link labkit.models.StudentNet}, for example.
 *
 * <pre>{@code
 * ChannelPruning cp = ChannelPruning.of(model.getBlock()).keep(0.5);
 * Block smaller = cp.prune(smallModel.getNDManager());   show(cp.report());
 * }</pre>
 */
public final class ChannelPruning {
    private final Block root;
    private final List<Leaf> leaves = new ArrayList<>();
    private final Map<String, Group> groups = new LinkedHashMap<>();
    private final Map<String, Double> keep = new LinkedHashMap<>();
    private double keepAll = 1.0;
    private Map<Group, int[]> lastKept;

    private record Leaf(String path, Block block) {}

    /** Channels flowing from one producer to one consumer. */
    private static final class Group {
        String name;            // path of the ranking BatchNorm, or null
        BatchNorm bn;
        int channels;
        boolean prunable;
    }

    private ChannelPruning(Block root) {
        if (!root.isInitialized()) {
            throw new IllegalStateException("ChannelPruning needs an initialised (trained) model: channels are ranked by"
                    + " its BatchNorm weights");
        }
        this.root = root;
        collect("", root);
        analyse();
    }

    /** Analyses {@code root} (initialised) and finds its prunable channel groups. */
    public static ChannelPruning of(Block root) {
        return new ChannelPruning(root);
    }

    /** The prunable channel groups, named by their ranking BatchNorm (e.g. {@code "features.0.1"}). */
    public List<String> prunableLayers() {
        return List.copyOf(groups.keySet());
    }

    /** Keeps {@code fraction} (0, 1] of the channels of every prunable group (at least one each). */
    public ChannelPruning keep(double fraction) {
        checkFraction(fraction, "keep");
        keepAll = fraction;
        return this;
    }

    /** Keeps {@code fraction} of the channels of the group ranked by BatchNorm {@code layer}. */
    public ChannelPruning keep(String layer, double fraction) {
        checkFraction(fraction, "keep(" + layer + ")");
        if (!groups.containsKey(layer)) {
            throw new IllegalArgumentException("layer: '" + layer + "' is not a prunable BatchNorm of this model;"
                    + " prunable layers are " + groups.keySet());
        }
        keep.put(layer, fraction);
        return this;
    }

    private static void checkFraction(double f, String arg) {
        if (!(f > 0 && f <= 1)) {
            throw new IllegalArgumentException(arg + " must be in (0, 1] (the fraction of channels kept), got " + f);
        }
    }

    /** The channels to keep for each group: indices of the largest |gamma|, in their original order. */
    private Map<Group, int[]> selection() {
        Map<Group, int[]> out = new HashMap<>();
        for (Group g : groups.values()) {
            double f = keep.getOrDefault(g.name, keepAll);
            int n = Math.max(1, (int) Math.round(f * g.channels));
            float[] gamma = g.bn.getParameters().get("gamma").getArray().toFloatArray();
            Integer[] order = new Integer[gamma.length];
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
            }
            Arrays.sort(order, (a, b) -> {
                int c = Float.compare(Math.abs(gamma[b]), Math.abs(gamma[a]));
                return c != 0 ? c : Integer.compare(a, b);
            });
            int[] kept = new int[n];
            for (int i = 0; i < n; i++) {
                kept[i] = order[i];
            }
            Arrays.sort(kept);
            out.put(g, kept);
        }
        return out;
    }

    /**
     * Builds the smaller network in {@code manager}: same structure and names, fewer channels, the kept weights
     * copied. Runs in inference and training like the original.
     */
    public Block prune(NDManager manager) {
        Map<Group, int[]> sel = selection();
        lastKept = sel;
        Map<String, int[]> outIdx = new HashMap<>();   // per leaf path: kept output channels/features (null = all)
        Map<String, int[]> inIdx = new HashMap<>();    // per leaf path: kept input channels/features (null = all)
        Map<String, Integer> outCount = new HashMap<>();
        Group current = null;
        int flattenFactor = 1;
        for (Leaf leaf : leaves) {
            Block b = leaf.block;
            int[] curSel = current != null && sel.containsKey(current) ? sel.get(current) : null;
            if (isProducer(b)) {
                inIdx.put(leaf.path, expand(curSel, flattenFactor));
                current = producedGroup.get(leaf.path);
                flattenFactor = 1;
                int[] s = sel.get(current);
                outIdx.put(leaf.path, s);
                outCount.put(leaf.path, s == null ? outChannels(b) : s.length);
            } else {
                if (b instanceof Flatten) {
                    Shape in = b.describeInput().get(0).getValue();
                    flattenFactor = (int) (in.size() / in.get(0) / in.get(1));
                }
                outIdx.put(leaf.path, curSel);
                outCount.put(leaf.path, curSel == null ? -1 : curSel.length);
            }
        }
        Block pruned = rebuild("", root, outCount);
        Shape[] inputs = root.describeInput().values().toArray(new Shape[0]);
        pruned.initialize(manager, DataType.FLOAT32, inputs);
        Map<String, Parameter> src = BlockTree.parameters(root);
        for (Map.Entry<String, Parameter> e : BlockTree.parameters(pruned).entrySet()) {
            String key = e.getKey();
            String path = key.substring(0, key.lastIndexOf('.'));
            String pname = key.substring(key.lastIndexOf('.') + 1);
            NDArray from = src.get(key).getArray();
            float[] data = from.toFloatArray();
            long[] shape = from.getShape().getShape().clone();
            int[] out = outIdx.get(path);
            int[] in = inIdx.get(path);
            Block owner = blockAt(path);
            boolean depthwise = owner instanceof Conv2d c && c.getGroups() > 1;
            if (out != null) {
                data = select(data, shape, 0, out);
                shape[0] = out.length;
            }
            if (pname.equals("weight") && shape.length > 1 && in != null && !depthwise) {
                data = select(data, shape, 1, in);
                shape[1] = in.length;
            }
            NDArray target = e.getValue().getArray();
            if (!target.getShape().equals(new Shape(shape))) {
                throw new IllegalStateException("ChannelPruning: " + key + " became " + new Shape(shape)
                        + " but the pruned network expects " + target.getShape());
            }
            target.set(FloatBuffer.wrap(data));
        }
        return pruned;
    }

    /**
     * One row per prunable group of the last {@link #prune}: layer, channels before and after, the fraction kept
     * and the smallest kept |gamma|.
     */
    public Table report() {
        if (lastKept == null) {
            throw new IllegalStateException("call prune(...) first");
        }
        StringColumn name = StringColumn.create("layer");
        IntColumn before = IntColumn.create("channels");
        IntColumn after = IntColumn.create("kept");
        DoubleColumn frac = DoubleColumn.create("kept_fraction");
        for (Group g : groups.values()) {
            name.append(g.name);
            before.append(g.channels);
            after.append(lastKept.get(g).length);
            frac.append(Math.round(lastKept.get(g).length * 1000.0 / g.channels) / 1000.0);
        }
        return Table.create("channels kept per BatchNorm", name, before, after, frac);
    }

    /** Parameters and MACs of the original and the pruned network. */
    public static Table complexity(Block original, Block pruned) {
        Complexity a = Complexity.of(original);
        Complexity b = Complexity.of(pruned);
        return Table.create("structured pruning",
                StringColumn.create("network", "original", "pruned"),
                DoubleColumn.create("parameters", a.parameters(), b.parameters()),
                DoubleColumn.create("MACs", a.macs(), b.macs()),
                DoubleColumn.create("fraction", 1.0, b.parameters() / (double) a.parameters()));
    }

    // ---- analysis -------------------------------------------------------------------------------------------

    private final Map<String, Group> producedGroup = new HashMap<>();

    private void collect(String path, Block b) {
        if (b instanceof SequentialBlock) {
            for (Pair<String, Block> c : b.getChildren()) {
                String n = BlockTree.childName(c.getKey());
                collect(path.isEmpty() ? n : path + "." + n, c.getValue());
            }
            return;
        }
        boolean known = b instanceof Conv2d || b instanceof BatchNorm || b instanceof Linear || b instanceof Act
                || b instanceof MaxPool2d || b instanceof GlobalAvgPool || b instanceof Flatten || b instanceof Dropout;
        if (!known) {
            throw new IllegalArgumentException("ChannelPruning cannot rebuild block '" + path + "' (" + b.getClass()
                    .getSimpleName() + "); it supports sequential trees of Conv2d, BatchNorm, Linear, Act, MaxPool2d,"
                    + " GlobalAvgPool, Flatten and Dropout");
        }
        leaves.add(new Leaf(path, b));
    }

    private static boolean isProducer(Block b) {
        return b instanceof Linear || (b instanceof Conv2d c && !isDepthwise(c));
    }

    private static boolean isDepthwise(Conv2d c) {
        return c.getGroups() > 1 && c.getGroups() == c.getFilters()
                && c.getParameters().get("weight").getArray().getShape().get(1) == 1;
    }

    private static int outChannels(Block b) {
        return (int) b.getParameters().get("weight").getArray().getShape().get(0);
    }

    private void analyse() {
        Group current = null;
        List<Group> all = new ArrayList<>();
        for (Leaf leaf : leaves) {
            Block b = leaf.block;
            if (b instanceof Conv2d c && c.getGroups() > 1 && !isDepthwise(c)) {
                throw new IllegalArgumentException("ChannelPruning: '" + leaf.path + "' is a grouped (not depthwise)"
                        + " convolution, which it cannot prune");
            }
            if (isProducer(b)) {
                if (current != null) {
                    current.prunable = current.bn != null;
                }
                current = new Group();
                current.channels = outChannels(b);
                all.add(current);
                producedGroup.put(leaf.path, current);
            } else if (b instanceof BatchNorm bn && current != null) {
                current.bn = bn;
                current.name = leaf.path;
            }
        }
        // the last group feeds the network's output: never pruned (its prunable flag stays false)
        for (Group g : all) {
            if (g.prunable) {
                groups.put(g.name, g);
            }
        }
    }

    // ---- rebuilding -----------------------------------------------------------------------------------------

    private Block rebuild(String path, Block b, Map<String, Integer> outCount) {
        if (b instanceof SequentialBlock) {
            Sequential s = new Sequential();
            for (Pair<String, Block> c : b.getChildren()) {
                String n = BlockTree.childName(c.getKey());
                s.add(n, rebuild(path.isEmpty() ? n : path + "." + n, c.getValue(), outCount));
            }
            return s;
        }
        int out = outCount.getOrDefault(path, -1);
        if (b instanceof Conv2d c) {
            boolean dw = isDepthwise(c);
            int filters = out > 0 ? out : c.getFilters();
            return Conv2d.builder().setKernelShape(c.getKernelShape()).setFilters(filters).optStride(c.getStride())
                    .optPadding(c.getPadding()).optDilation(c.getDilation()).optGroups(dw ? filters : 1)
                    .optBias(c.isIncludeBias()).build();
        }
        if (b instanceof BatchNorm bn) {
            return BatchNorm.builder().optEpsilon(BatchNorms.epsilon(bn)).optMomentum(BatchNorms.momentum(bn))
                    .build();
        }
        if (b instanceof Linear l) {
            int units = out > 0 ? out : outChannels(l);
            return Linear.builder().setUnits(units).optBias(l.getParameters().contains("bias")).build();
        }
        if (b instanceof Act a) {
            return new Act(a.kind());
        }
        if (b instanceof MaxPool2d m) {
            return new MaxPool2d(m.kernel(), m.stride(), m.padding());
        }
        if (b instanceof GlobalAvgPool) {
            return new GlobalAvgPool();
        }
        if (b instanceof Flatten) {
            return new Flatten();
        }
        if (b instanceof Dropout d) {
            return Dropout.builder().optRate(field(d, "rate", 0.5f)).build();
        }
        throw new IllegalStateException("unexpected block " + path);
    }

    /** A private float setting of a DJL block (Dropout rate), which DJL does not expose. */
    private static float field(Block b, String name, float fallback) {
        try {
            java.lang.reflect.Field f = b.getClass().getDeclaredField(name);
            f.setAccessible(true);
            return f.getFloat(b);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return fallback;
        }
    }

    private Block blockAt(String path) {
        for (Leaf l : leaves) {
            if (l.path.equals(path)) {
                return l.block;
            }
        }
        return null;
    }

    /** Channel indices to flattened feature indices (each channel owns {@code factor} consecutive features). */
    private static int[] expand(int[] channels, int factor) {
        if (channels == null || factor == 1) {
            return channels;
        }
        int[] out = new int[channels.length * factor];
        for (int i = 0; i < channels.length; i++) {
            for (int j = 0; j < factor; j++) {
                out[i * factor + j] = channels[i] * factor + j;
            }
        }
        return out;
    }

    /** The entries of a row-major array at {@code idx} along {@code axis}. */
    static float[] select(float[] data, long[] shape, int axis, int[] idx) {
        long outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= shape[i];
        }
        long inner = 1;
        for (int i = axis + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        int n = (int) shape[axis];
        float[] out = new float[(int) (outer * idx.length * inner)];
        int o = 0;
        for (long a = 0; a < outer; a++) {
            for (int k : idx) {
                System.arraycopy(data, (int) ((a * n + k) * inner), out, o, (int) inner);
                o += inner;
            }
        }
        return out;
    }
}
