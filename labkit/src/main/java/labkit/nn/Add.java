package labkit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Element-wise sum of all its inputs (PyTorch {@code a + b}, a {@code FloatFunctional.add} point in quantizable
 * models, e.g. the {@code skip_add} of quantizable inverted residuals): a named multi-input block that PTQ
 * observes like any layer.
 */
public final class Add extends AbstractBlock {

    public Add() {
        super((byte) 1);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray sum = inputs.get(0);
        for (int i = 1; i < inputs.size(); i++) {
            sum = sum.add(inputs.get(i));
        }
        return new NDList(sum);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        for (int i = 1; i < in.length; i++) {
            if (!in[i].equals(in[0])) {
                throw new IllegalArgumentException("Add: input " + i + " has shape " + in[i] + " but input 0 has "
                        + in[0] + "; an element-wise sum needs equal shapes");
            }
        }
        return new Shape[] {in[0]};
    }

    @Override
    public String toString() {
        return "Add()";
    }
}
