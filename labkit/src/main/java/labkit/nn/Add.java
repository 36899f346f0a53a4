package labkit.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Element-wise sum of two inputs, a named block for PyTorch's {@code FloatFunctional.add} (the
 * {@code skip_add} of quantizable inverted residuals): PTQ observes its output like any layer's.
 */
public final class Add extends AbstractBlock {
    public Add() {
        super((byte) 1);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        if (inputs.size() != 2) {
            throw new IllegalArgumentException("Add takes 2 inputs, got " + inputs.size());
        }
        return new NDList(inputs.get(0).add(inputs.get(1)));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "Add()";
    }
}
