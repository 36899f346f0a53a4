package labkit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Concatenates all its inputs along one axis (channels by default), like {@code torch.cat(xs, dim=1)}: a
 * named multi-input block, so model rewrites and export can see where branches join.
 */
public final class Concat extends AbstractBlock {
    private final int axis;

    /** Concatenation along the channel axis (1) of N×C×H×W inputs. */
    public Concat() {
        this(1);
    }

    public Concat(int axis) {
        super((byte) 1);
        this.axis = axis;
    }

    public int axis() { return axis; }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(NDArrays.concat(inputs, axis));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        long sum = 0;
        for (int i = 0; i < in.length; i++) {
            for (int d = 0; d < in[0].dimension(); d++) {
                if (d != axis && in[i].get(d) != in[0].get(d)) {
                    throw new IllegalArgumentException("Concat(axis=" + axis + "): input " + i + " has shape " + in[i]
                            + " but input 0 has " + in[0] + "; all dimensions except " + axis + " must match");
                }
            }
            sum += in[i].get(axis);
        }
        long[] dims = in[0].getShape();
        dims[axis] = sum;
        return new Shape[] {new Shape(dims)};
    }

    @Override
    public String toString() {
        return "Concat(axis=" + axis + ")";
    }
}
