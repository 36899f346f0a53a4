package labkit.nn;

import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.util.Pair;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

/**
 * Base class of labkit's composite blocks that keep their children in fields (a conv here, a list of stages there)
 * and still honour {@link Container}: {@link #replaceChild} swaps the child in DJL's children list <em>and</em> in
 * every field, array element or list entry of the subclass that holds it, so the forward pass runs the new child.
 * A field typed narrower than {@link Block} accepts only a replacement of that type (checked before anything changes).
 */
public abstract class ContainerBlock extends AbstractBlock implements Container {

    /** @param version the block's serialization version (as {@link AbstractBlock#AbstractBlock(byte)}) */
    protected ContainerBlock(byte version) {
        super(version);
    }

    @Override
    public void replaceChild(String name, Block block) {
        Block old = null;
        for (Pair<String, Block> c : children) {
            if (BlockTree.childName(c.getKey()).equals(name)) {
                old = c.getValue();
            }
        }
        if (old == null) {
            Container.replaceIn(children, name, block, this); // throws, naming the children there are
            return;
        }
        List<Runnable> rebinds = rebinds(old, block, name);
        Container.replaceIn(children, name, block, this);
        rebinds.forEach(Runnable::run);
    }

    /** The field updates that point this block's own references to {@code old} at {@code block}; checks types. */
    @SuppressWarnings("unchecked")
    private List<Runnable> rebinds(Block old, Block block, String name) {
        List<Runnable> out = new ArrayList<>();
        for (Class<?> c = getClass(); c != ContainerBlock.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isStatic(f.getModifiers()) || f.getType().isPrimitive()) {
                    continue;
                }
                Object v = read(f);
                if (v == old) {
                    requireType(f.getType(), block, name, f.getName());
                    out.add(() -> write(f, block));
                } else if (v instanceof Object[] array) {
                    for (int i = 0; i < array.length; i++) {
                        if (array[i] == old) {
                            requireType(array.getClass().getComponentType(), block, name, f.getName() + "[" + i + "]");
                            int at = i;
                            out.add(() -> array[at] = block);
                        }
                    }
                } else if (v instanceof List<?> list) {
                    for (int i = 0; i < list.size(); i++) {
                        if (list.get(i) == old) {
                            int at = i;
                            out.add(() -> ((List<Object>) list).set(at, block));
                        }
                    }
                }
            }
        }
        return out;
    }

    private void requireType(Class<?> type, Block block, String name, String field) {
        if (!type.isInstance(block)) {
            throw new IllegalArgumentException("cannot replace child '" + name + "' of " + getClass().getSimpleName()
                    + " by a " + block.getClass().getSimpleName() + ": it is held as a " + type.getSimpleName()
                    + " (" + field + ")");
        }
    }

    private Object read(Field f) {
        try {
            f.setAccessible(true);
            return f.get(this);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot read " + getClass().getName() + "." + f.getName(), e);
        }
    }

    private void write(Field f, Object value) {
        try {
            f.set(this, value);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot set " + getClass().getName() + "." + f.getName(), e);
        }
    }
}
