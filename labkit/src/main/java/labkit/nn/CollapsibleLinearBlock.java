package labkit.nn;

import ai.djl.nn.Block;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * SESR's collapsible linear block ({@code LinearBlock_c}, Bhardwaj et al. 2022) in its training form: a k×k conv
 * from C_in to an expanded width E (child {@code expand}, with bias), then a 1×1 conv back to C_out (child
 * {@code squeeze}, with bias), no non-linearity in between, plus an identity residual when C_in == C_out and
 * {@code residual} is on. Being linear, it equals one k×k conv: {@link #collapse(NDManager)} builds that conv
 * for inference, with PyTorch semantics (OIHW weights, symmetric padding k/2, stride 1):
 * {@code Wc[o,i] = Σ_e W2[o,e]·W1[e,i]}, {@code bc = W2·b1 + b2}, residual → +1 at the centre tap of
 * {@code Wc[i,i]}. (Keras kernels are HWIO and its 'same' padding is asymmetric for even k — hence odd k only.)
 */
public final class CollapsibleLinearBlock extends ContainerBlock {
    private final int in;
    private final int out;
    private final int kernel;
    private final int expanded;
    private final boolean residual;
    private Block expand;
    private Block squeeze;

    /**
     * A block C_in → C_out with a k×k kernel (odd) and expanded width E; the residual is added only when
     * {@code residual} and C_in == C_out.
     */
    public CollapsibleLinearBlock(int in, int out, int kernel, int expanded, boolean residual) {
        super((byte) 1);
        if (in < 1 || out < 1 || expanded < 1) {
            throw new IllegalArgumentException("CollapsibleLinearBlock: channels must be >= 1, got in=" + in + ", out="
                    + out + ", expanded=" + expanded);
        }
        if (kernel < 1 || kernel % 2 == 0) {
            throw new IllegalArgumentException("CollapsibleLinearBlock: kernel must be odd (PyTorch 'same' padding is"
                    + " symmetric; Keras pads even kernels asymmetrically), got " + kernel);
        }
        this.in = in;
        this.out = out;
        this.kernel = kernel;
        this.expanded = expanded;
        this.residual = residual && in == out;
        this.expand = addChildBlock("expand", Conv2d.builder().setKernelShape(new Shape(kernel, kernel))
                .setFilters(expanded).optPadding(new Shape(kernel / 2, kernel / 2)).build());
        this.squeeze = addChildBlock("squeeze", Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(out).build());
    }

    public int inChannels() { return in; }
    public int outChannels() { return out; }
    public int kernel() { return kernel; }
    public int expanded() { return expanded; }
    /** Whether the identity residual is added (requested and C_in == C_out). */
    public boolean residual() { return residual; }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (x.getShape().dimension() != 4 || x.getShape().get(1) != in) {
            throw new IllegalArgumentException("CollapsibleLinearBlock expects N×" + in + "×H×W, got " + x.getShape());
        }
        NDList y = squeeze.forward(ps, expand.forward(ps, inputs, training, params), training, params);
        return residual ? new NDList(y.singletonOrThrow().add(x)) : y;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] s) {
        return new Shape[] {new Shape(s[0].get(0), out, s[0].get(2), s[0].get(3))};
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... s) {
        expand.initialize(manager, dataType, s[0]);
        squeeze.initialize(manager, dataType, expand.getOutputShapes(s)[0]);
    }

    /** The collapsed weights as (weight O×I×k×k, bias O), computed in {@code manager}. Needs initialised weights. */
    public NDList collapsedWeights(NDManager manager) {
        NDArray w1 = param(expand, "weight").getArray(); // E, I, k, k
        NDArray b1 = param(expand, "bias").getArray(); // E
        NDArray w2 = param(squeeze, "weight").getArray().reshape(out, expanded); // O, E
        NDArray b2 = param(squeeze, "bias").getArray(); // O
        NDArray wc = w2.matMul(w1.reshape(expanded, (long) in * kernel * kernel)).reshape(out, in, kernel, kernel);
        NDArray bc = w2.matMul(b1.reshape(expanded, 1)).reshape(out).add(b2);
        if (residual) {
            float[] eye = new float[out * in * kernel * kernel];
            int c = kernel / 2;
            for (int i = 0; i < in; i++) {
                eye[((i * in + i) * kernel + c) * kernel + c] = 1f;
            }
            wc = wc.add(manager.create(eye, wc.getShape()));
        }
        NDList r = new NDList(wc, bc);
        r.attach(manager);
        return r;
    }

    /**
     * The inference form: one k×k Conv2d (padding k/2, with bias) giving the same output as this block, its
     * parameters allocated in {@code manager}. This block must be initialised (trained) first.
     */
    public Conv2d collapse(NDManager manager) {
        if (!isInitialized()) {
            throw new IllegalStateException("CollapsibleLinearBlock.collapse: initialise (and train) the block first");
        }
        Conv2d conv = Conv2d.builder().setKernelShape(new Shape(kernel, kernel)).setFilters(out)
                .optPadding(new Shape(kernel / 2, kernel / 2)).build();
        conv.initialize(manager, DataType.FLOAT32, new Shape(1, in, kernel, kernel));
        try (NDManager tmp = manager.newSubManager()) {
            NDList w = collapsedWeights(tmp);
            param(conv, "weight").getArray().set(w.get(0).toFloatArray());
            param(conv, "bias").getArray().set(w.get(1).toFloatArray());
        }
        return conv;
    }

    private static Parameter param(Block c, String name) {
        return c.getParameters().get(name);
    }

    @Override
    public String toString() {
        return "CollapsibleLinearBlock(" + in + "→" + expanded + "→" + out + ", k=" + kernel
                + (residual ? ", residual" : "") + ")";
    }
}
