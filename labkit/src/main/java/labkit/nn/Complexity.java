package labkit.nn;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import java.util.Locale;

/**
 * Parameters and multiply-adds (MACs, per image) of an initialised block tree: every convolution counts
 * {@code out elements × (C_in / groups) × k_h × k_w}, every linear layer {@code in × out} per row, read from the
 * input shapes the blocks were initialised with (so initialise with the input size you want counted).
 */
public record Complexity(long parameters, long macs) {

    /** Counts {@code root}, which must be initialised. */
    public static Complexity of(Block root) {
        long[] macs = {0};
        BlockTree.visit(root, (path, b) -> {
            if (b instanceof Convolution || b instanceof Linear) {
                if (!b.isInitialized()) {
                    throw new IllegalStateException("Complexity: block '" + path + "' is not initialised; call"
                            + " initialize(...) on the model with an input shape first");
                }
                Shape in = b.describeInput().get(0).getValue();
                Shape out = b.getOutputShapes(new Shape[] {in})[0];
                long batch = in.get(0);
                Shape w = b.getParameters().get("weight").getArray().getShape();
                if (b instanceof Convolution) {
                    long perOut = w.size() / w.get(0); // (C_in / groups) · k_h · k_w
                    macs[0] += out.size() / batch * perOut;
                } else {
                    macs[0] += out.size() / batch * w.get(1);
                }
            }
        });
        return new Complexity(BlockTree.countParameters(root), macs[0]);
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "%,d parameters, %.1f M MACs", parameters, macs / 1e6);
    }
}
