package labkit.nn;

import ai.djl.nn.Block;

/**
 * A block whose named children can be swapped for others (BN fusion, observer insertion, conversion). Every
 * labkit block with children implements it; {@link BlockTree#replace} uses it to rewrite a model in place.
 */
public interface Container {
    /**
     * Replaces the child called {@code name} (its PyTorch-style name, e.g. "0" or "conv") by {@code block},
     * keeping its position. Throws {@link IllegalArgumentException} if there is no such child.
     */
    void replaceChild(String name, Block block);
}
