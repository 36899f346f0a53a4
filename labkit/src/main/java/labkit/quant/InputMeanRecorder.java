package labkit.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import labkit.nn.Wrapper;

/** Wraps a layer for {@link BiasCorrection} and sums its input per channel (axis 1); adds no name level. */
final class InputMeanRecorder extends AbstractBlock implements Wrapper {
    private final Block inner;
    private double[] sums;
    private long count;

    InputMeanRecorder(Block inner) {
        super((byte) 1);
        this.inner = addChildBlock("module", inner);
    }

    @Override
    public Block inner() {
        return inner;
    }

    /** Mean of the input per channel over everything seen (batch and spatial positions). */
    float[] means() {
        if (sums == null) {
            throw new IllegalStateException("no input seen by " + inner.getClass().getSimpleName());
        }
        float[] m = new float[sums.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) (sums[i] / count);
        }
        return m;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.head();
        Shape s = x.getShape();
        int c = (int) s.get(1);
        float[] v = x.toType(DataType.FLOAT32, false).toFloatArray();
        long n = s.get(0);
        long per = s.size() / (n * c);
        if (sums == null) {
            sums = new double[c];
        }
        for (long b = 0; b < n; b++) {
            for (int ch = 0; ch < c; ch++) {
                int off = (int) ((b * c + ch) * per);
                double t = 0;
                for (int k = 0; k < per; k++) {
                    t += v[off + k];
                }
                sums[ch] += t;
            }
        }
        count += n * per;
        return inner.forward(ps, inputs, training, params);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        inner.initialize(manager, dataType, inputShapes);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inner.getOutputShapes(inputShapes);
    }
}
