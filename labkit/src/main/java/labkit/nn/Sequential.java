package labkit.nn;

import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;

/**
 * A sequential block whose children carry explicit names, like {@code torch.nn.Sequential}: unnamed children
 * are called "0", "1", ... by position, so a labkit model's parameter paths line up with torchvision's
 * state-dict keys. (DJL stores each child under a two-digit order prefix, e.g. "01conv";
 * {@link BlockTree} strips it.)
 */
public class Sequential extends SequentialBlock implements Container {

    /** Adds a child named by its position ("0", "1", ...), as {@code nn.Sequential(...)} does. */
    @Override
    public Sequential add(Block block) {
        return add(String.valueOf(children.size()), block);
    }

    /** Adds a child with an explicit name (e.g. "conv1", "bn1", "fc"). */
    public Sequential add(String name, Block block) {
        if (name == null || name.isEmpty() || name.contains(".")) {
            throw new IllegalArgumentException("child name must be non-empty and contain no '.': " + name);
        }
        addChildBlock(name, block);
        return this;
    }

    /** Replaces the child called {@code name}, keeping its position (see {@link Container}). */
    @Override
    public void replaceChild(String name, Block block) {
        Container.replaceIn(children, name, block, this);
    }
}
