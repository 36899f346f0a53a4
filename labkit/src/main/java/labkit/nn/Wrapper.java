package labkit.nn;

import ai.djl.nn.Block;

/**
 * A block that wraps one other block without adding a name level (e.g. an observer or fake-quant around a
 * conv): {@link BlockTree} reports the wrapped block's parameters under the wrapper's own path, so
 * {@code features.0.0.weight} stays {@code features.0.0.weight} after observers are inserted, as in PyTorch.
 */
public interface Wrapper {
    /** The wrapped block. */
    Block inner();
}
