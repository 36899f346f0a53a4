package labkit.nn;

import ai.djl.nn.Block;
import ai.djl.nn.BlockList;

/**
 * A block whose named children can be swapped for others with the same input/output shapes (BN fusion, observer
 * insertion, the inverted-residual rewrite, conversion). DJL's {@code getChildren()} hands out a copy, so this is
 * the sanctioned way to edit a model tree; {@link BlockTree#replace} uses it. Every labkit block with children
 * implements it, and its forward pass goes through its current children; a block that keeps its children in fields
 * extends {@link ContainerBlock}, which updates those fields on a replacement.
 */
public interface Container {
    /**
     * Replaces the child called {@code name} (its PyTorch-style name, e.g. "0" or "conv") by {@code block},
     * keeping its position. Throws {@link IllegalArgumentException} if there is no such child.
     */
    void replaceChild(String name, Block block);

    /** Helper for implementations: swaps the entry named {@code name} in a DJL children list, keeping its key. */
    static void replaceIn(BlockList children, String name, Block block, Block owner) {
        for (int i = 0; i < children.size(); i++) {
            String key = children.keyAt(i);
            if (BlockTree.childName(key).equals(name)) {
                children.remove(i);
                children.add(i, key, block);
                return;
            }
        }
        throw new IllegalArgumentException("no child named '" + name + "' in " + owner.getClass().getSimpleName()
                + " (children: " + BlockTree.childNames(owner) + ")");
    }
}
