package labkit.nn;

import ai.djl.nn.Block;

/**
 * A container whose forward pass goes through its current children by name, so a model rewrite (inverted
 * residuals, observer insertion) may swap a child for another with the same input/output shapes. DJL's
 * {@code getChildren()} hands out a copy; this is the sanctioned way to edit the tree.
 */
public interface ReplaceableChildren {
    /** Replaces the child called {@code name} (PyTorch-style name, e.g. "0" or "fam_4") by {@code block}. */
    void replaceChild(String name, Block block);

    /** Helper for implementations: swaps the entry named {@code name} in a DJL children list. */
    static void replaceIn(ai.djl.nn.BlockList children, String name, Block block, Object owner) {
        for (int i = 0; i < children.size(); i++) {
            String key = children.keyAt(i);
            if (BlockTree.childName(key).equals(name)) {
                children.remove(i);
                children.add(i, key, block);
                return;
            }
        }
        throw new IllegalArgumentException(owner + " has no child named '" + name + "'");
    }
}
