package labkit.nn;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Walks a block tree with PyTorch-style dotted names ("features.0.1", "classifier.1.weight"), dropping DJL's
 * two-digit child-order prefix. Used by the weight loaders, observers, fusion and export.
 */
public final class BlockTree {
    private BlockTree() {}

    /** The PyTorch-style name of a DJL child key: "01conv" → "conv", "03" + "2" → "2". */
    public static String childName(String djlKey) {
        return djlKey.length() > 2 && Character.isDigit(djlKey.charAt(0)) && Character.isDigit(djlKey.charAt(1))
                ? djlKey.substring(2)
                : djlKey;
    }

    /**
     * Visits every block (root first, named "") with its dotted path. A {@link Wrapper} and the block it wraps are
     * both visited under the same path, wrapper first (so {@link #blocks} keeps the wrapped block).
     */
    public static void visit(Block root, BiConsumer<String, Block> visitor) {
        visit("", root, visitor);
    }

    private static void visit(String path, Block block, BiConsumer<String, Block> visitor) {
        visitor.accept(path, block);
        if (block instanceof Wrapper w) {
            // a wrapper adds no name level: its inner block is visited under the same path
            visit(path, w.inner(), visitor);
            return;
        }
        for (Pair<String, Block> child : block.getChildren()) {
            String name = childName(child.getKey());
            visit(path.isEmpty() ? name : path + "." + name, child.getValue(), visitor);
        }
    }

    /** The PyTorch-style names of a block's direct children. */
    public static List<String> childNames(Block block) {
        List<String> out = new ArrayList<>();
        for (Pair<String, Block> child : block.getChildren()) {
            out.add(childName(child.getKey()));
        }
        return out;
    }

    /** The block at a dotted path ("" is the root), looking through {@link Wrapper}s. */
    public static Block get(Block root, String path) {
        Block b = root;
        if (path.isEmpty()) {
            return b;
        }
        for (String part : path.split("\\.")) {
            while (b instanceof Wrapper w) {
                b = w.inner();
            }
            Block next = null;
            for (Pair<String, Block> child : b.getChildren()) {
                if (childName(child.getKey()).equals(part)) {
                    next = child.getValue();
                }
            }
            if (next == null) {
                throw new IllegalArgumentException("no block '" + path + "': '" + part + "' is not a child of "
                        + b.getClass().getSimpleName() + " (children: " + childNames(b) + ")");
            }
            b = next;
        }
        return b;
    }

    /**
     * Replaces the block at {@code path} by {@code replacement} in its parent, which must be a {@link Container}
     * (every labkit block with children is). Used by BN fusion and observer insertion.
     */
    public static void replace(Block root, String path, Block replacement) {
        int dot = path.lastIndexOf('.');
        if (path.isEmpty()) {
            throw new IllegalArgumentException("cannot replace the root block; wrap it instead");
        }
        Block parent = get(root, dot < 0 ? "" : path.substring(0, dot));
        while (parent instanceof Wrapper w && !(parent instanceof Container)) {
            parent = w.inner();
        }
        if (!(parent instanceof Container c)) {
            throw new IllegalArgumentException("cannot replace '" + path + "': its parent "
                    + parent.getClass().getName() + " is not a labkit Container (use labkit.nn blocks)");
        }
        c.replaceChild(path.substring(dot + 1), replacement);
    }

    /** All named blocks in depth-first order, root first. */
    public static Map<String, Block> blocks(Block root) {
        Map<String, Block> out = new LinkedHashMap<>();
        visit(root, out::put);
        return out;
    }

    /**
     * Every parameter with its PyTorch-style key ("features.0.0.weight"). DJL's BatchNorm names its running
     * statistics "runningMean"/"runningVar"; they are reported as "running_mean"/"running_var" like PyTorch.
     */
    public static Map<String, Parameter> parameters(Block root) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        visit(root, (path, block) -> {
            for (Pair<String, Parameter> p : block.getDirectParameters()) {
                String key = torchParamName(p.getKey());
                out.put(path.isEmpty() ? key : path + "." + key, p.getValue());
            }
        });
        return out;
    }

    private static String torchParamName(String djl) {
        switch (djl) {
            case "gamma": return "weight";
            case "beta": return "bias";
            case "runningMean": return "running_mean";
            case "runningVar": return "running_var";
            default: return djl;
        }
    }

    /** Number of trainable parameters (what {@code sum(p.numel() for p in model.parameters())} counts). */
    public static long countParameters(Block root) {
        long n = 0;
        for (Parameter p : parameters(root).values()) {
            if (p.requiresGradient() && p.getArray() != null) {
                n += p.getArray().size();
            }
        }
        return n;
    }

    /** Leaf blocks of a given class with their paths. */
    public static <B extends Block> List<Pair<String, B>> find(Block root, Class<B> type) {
        List<Pair<String, B>> out = new ArrayList<>();
        visit(root, (path, b) -> {
            if (type.isInstance(b)) {
                out.add(new Pair<>(path, type.cast(b)));
            }
        });
        return out;
    }
}
