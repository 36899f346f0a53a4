package labkit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * {@code y = x + body(x)}: a named residual add (PyTorch's {@code FloatFunctional.add} point in quantizable
 * models), with the body as child "body" (or under a caller-chosen name).
 */
public final class Residual extends AbstractBlock implements Container {
    private Block body;

    public Residual(Block body) {
        this("body", body);
    }

    public Residual(String name, Block body) {
        super((byte) 1);
        this.body = addChildBlock(name, body);
    }

    public Block body() {
        return body;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDArray y = body.forward(ps, inputs, training, params).singletonOrThrow();
        return new NDList(x.add(y));
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        body.initialize(manager, dataType, inputShapes);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape[] out = body.getOutputShapes(inputShapes);
        if (!out[0].equals(inputShapes[0])) {
            throw new IllegalArgumentException("Residual body changes the shape " + inputShapes[0] + " → " + out[0]
                    + "; a residual add needs equal shapes");
        }
        return out;
    }

    @Override
    public void replaceChild(String name, Block block) {
        String key = children.keyAt(0);
        if (!BlockTree.childName(key).equals(name)) {
            throw new IllegalArgumentException("Residual has one child '" + BlockTree.childName(key) + "', not '"
                    + name + "'");
        }
        children.remove(0);
        children.add(0, key, block);
        body = block;
    }
}
