package labkit.nn;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Replaces every convolution block of a network — a {@link Sequential} of a k×k (k ≥ 3), non-grouped
 * {@code Conv2d}, a {@code BatchNorm} and an optional {@link Act}, as {@link ConvBnAct} builds it — by a
 * MobileNetV2 {@link InvertedResidual} with the same input/output channels and stride, so the network keeps its
 * input and output shapes. Replacements happen inside {@link Container} containers ({@link Sequential},
 * {@link Branches}, {@link FFNetHead}); the replaced block keeps
 * its name. The model must be initialised (input channels are read from the weights); the new blocks are
 * initialised by the rewrite, the others keep their weights.
 */
public final class InvertedResidualRewrite {
    private InvertedResidualRewrite() {}

    /** What changed: complexity before and after, and the dotted names of the replaced blocks. */
    public record Report(Complexity before, Complexity after, List<String> replaced) {
        @Override
        public String toString() {
            return String.format(Locale.ROOT, "replaced %d conv blocks %s%n  before: %s%n  after:  %s (×%.2f params,"
                    + " ×%.2f MACs)", replaced.size(), replaced, before, after,
                    after.parameters() / (double) before.parameters(), after.macs() / (double) before.macs());
        }
    }

    /**
     * Rewrites {@code root} in place with expansion ratio {@code expandRatio} (MobileNetV2: 6) and re-initialises
     * it for {@code inputShapes} (one per model input) in {@code manager}.
     */
    public static Report apply(Block root, NDManager manager, double expandRatio, Shape... inputShapes) {
        if (!root.isInitialized()) {
            root.initialize(manager, DataType.FLOAT32, inputShapes);
        }
        Complexity before = Complexity.of(root);
        List<String> replaced = new ArrayList<>();
        rewrite("", root, expandRatio, replaced);
        root.initialize(manager, DataType.FLOAT32, inputShapes);
        return new Report(before, Complexity.of(root), replaced);
    }

    private static void rewrite(String path, Block parent, double t, List<String> replaced) {
        boolean replaceable = parent instanceof Container;
        for (Pair<String, Block> c : parent.getChildren()) {
            String name = BlockTree.childName(c.getKey());
            String childPath = path.isEmpty() ? name : path + "." + name;
            InvertedResidual ir = replaceable ? replacement(c.getValue(), t) : null;
            if (ir != null) {
                ((Container) parent).replaceChild(name, ir);
                replaced.add(childPath);
            } else {
                rewrite(childPath, c.getValue(), t, replaced);
            }
        }
    }

    /** The inverted residual for a conv block, or null when {@code b} is not one. */
    static InvertedResidual replacement(Block b, double t) {
        if (!(b instanceof SequentialBlock) || b.getChildren().size() < 2 || b.getChildren().size() > 3) {
            return null;
        }
        List<Block> kids = b.getChildren().values();
        if (!(kids.get(0) instanceof Conv2d conv) || !(kids.get(1) instanceof BatchNorm)
                || (kids.size() == 3 && !(kids.get(2) instanceof Act))) {
            return null;
        }
        if (conv.getKernelShape().get(0) < 3 || conv.getGroups() != 1 || conv.getStride().get(0) > 2
                || conv.getStride().get(0) != conv.getStride().get(1)) {
            return null;
        }
        if (!conv.isInitialized()) {
            throw new IllegalStateException("InvertedResidualRewrite: initialise the model first (input channels are"
                    + " read from the conv weights)");
        }
        int in = (int) conv.getParameters().get("weight").getArray().getShape().get(1);
        return new InvertedResidual(in, conv.getFilters(), (int) conv.getStride().get(0), t);
    }
}
