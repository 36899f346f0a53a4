package labkit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Element-wise product of its inputs with broadcasting (PyTorch {@code a * b}, the {@code FloatFunctional.mul}
 * point of quantizable models, e.g. squeeze-excitation's {@code skip_mul} of x by its per-channel scale): a named
 * block that PTQ observes like {@link Add}.
 */
public final class Mul extends AbstractBlock {

    public Mul() {
        super((byte) 1);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray p = inputs.get(0);
        for (int i = 1; i < inputs.size(); i++) {
            p = p.mul(inputs.get(i));
        }
        return new NDList(p);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        long[] out = in[0].getShape();
        for (int i = 1; i < in.length; i++) {
            if (in[i].dimension() != out.length) {
                throw new IllegalArgumentException("Mul: input " + i + " has shape " + in[i] + " but input 0 has "
                        + in[0] + "; broadcasting needs the same rank");
            }
            for (int d = 0; d < out.length; d++) {
                long b = in[i].get(d);
                if (b != out[d] && b != 1 && out[d] != 1) {
                    throw new IllegalArgumentException("Mul: input " + i + " has shape " + in[i] + " but input 0 has "
                            + in[0] + "; dimension " + d + " neither matches nor is 1");
                }
                out[d] = Math.max(out[d], b);
            }
        }
        return new Shape[] {new Shape(out)};
    }

    @Override
    public String toString() {
        return "Mul()";
    }
}
