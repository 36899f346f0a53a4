package labkit.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * Applies child {@code i} to input {@code i} of a multi-input list and returns the list of results, like a
 * PyTorch {@code nn.ModuleList} used as {@code [m(x) for m, x in zip(self.convs, xs)]} (e.g. per-level 1×1
 * projections of a feature pyramid). Children are named "0", "1", ….
 */
public final class Branches extends AbstractBlock implements Container {

    public Branches() {
        super((byte) 1);
    }

    /** Builds the list from blocks, named "0", "1", … in order. */
    public static Branches of(List<? extends Block> blocks) {
        Branches b = new Branches();
        for (Block block : blocks) {
            b.add(block);
        }
        return b;
    }

    /** Appends a branch named by its position. */
    public Branches add(Block block) {
        addChildBlock(String.valueOf(children.size()), block);
        return this;
    }

    @Override
    public void replaceChild(String name, Block block) {
        Container.replaceIn(children, name, block, this);
    }

    /** Number of branches. */
    public int size() {
        return children.size();
    }

    private void check(int n) {
        if (n != children.size()) {
            throw new IllegalArgumentException("Branches: got " + n + " inputs for " + children.size()
                    + " branches; pass one tensor per branch");
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        check(inputs.size());
        NDList out = new NDList(inputs.size());
        int i = 0;
        for (Pair<String, Block> c : children) {
            out.add(c.getValue().forward(ps, new NDList(inputs.get(i++)), training, params).singletonOrThrow());
        }
        return out;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        check(in.length);
        List<Shape> out = new ArrayList<>();
        int i = 0;
        for (Pair<String, Block> c : children) {
            out.add(c.getValue().getOutputShapes(new Shape[] {in[i++]})[0]);
        }
        return out.toArray(new Shape[0]);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... in) {
        check(in.length);
        int i = 0;
        for (Pair<String, Block> c : children) {
            c.getValue().initialize(manager, dataType, in[i++]);
        }
    }
}
