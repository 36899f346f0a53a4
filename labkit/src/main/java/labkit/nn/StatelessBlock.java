package labkit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Base of labkit's parameter-free, single-input blocks (activations, pooling, flatten, upsampling). Subclasses
 * are small named classes, so tree walkers (BN fusion, observers, export) can recognise every node.
 */
public abstract class StatelessBlock extends AbstractBlock {

    protected StatelessBlock() {
        super((byte) 1);
    }

    /** Applies the block to one array. */
    public abstract NDArray apply(NDArray x, boolean training);

    /** Output shape for one input shape; identity unless overridden. */
    protected Shape outputShape(Shape input) {
        return input;
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(apply(inputs.singletonOrThrow(), training));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {outputShape(inputShapes[0])};
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "()";
    }
}
