package labkit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * EfficientNet's mobile inverted bottleneck, laid out like torchvision's {@code MBConv}: child "block" holds
 * [1×1 expand conv+BN+SiLU when expand ≠ 1] → depthwise k×k conv+BN+SiLU → {@link SqueezeExcitation} → 1×1
 * project conv+BN; child "stochastic_depth" drops the branch in training. The input is added back by child
 * "skip_add" (an {@link Add}, so PTQ observes it) when the stride is 1 and the widths match.
 */
public final class MBConv extends ContainerBlock {
    private Sequential block;
    private Block stochasticDepth;
    private Block skipAdd;
    private final boolean residual;

    /**
     * @param in      input channels
     * @param out     output channels
     * @param expand  expansion ratio (1 or 6 in EfficientNet-B0)
     * @param kernel  depthwise kernel (3 or 5)
     * @param stride  depthwise stride
     * @param sdProb  stochastic-depth drop probability of this block
     */
    public MBConv(int in, int out, int expand, int kernel, int stride, float sdProb) {
        super((byte) 1);
        if (in < 1 || out < 1 || expand < 1 || kernel < 1 || (stride != 1 && stride != 2)) {
            throw new IllegalArgumentException(String.format(
                    "MBConv: need channels >= 1, expand >= 1, kernel >= 1, stride 1 or 2; got in=%d out=%d expand=%d"
                            + " kernel=%d stride=%d", in, out, expand, kernel, stride));
        }
        int hidden = in * expand;
        Sequential b = new Sequential();
        if (expand != 1) {
            b.add(ConvBnAct.builder(hidden).kernel(1).act(Act.Kind.SILU).build());
        }
        b.add(ConvBnAct.builder(hidden).kernel(kernel).stride(stride).groups(hidden).act(Act.Kind.SILU).build());
        b.add(new SqueezeExcitation(hidden, Math.max(1, in / 4), Act.Kind.SILU, Act.Kind.SIGMOID));
        b.add(ConvBnAct.builder(out).kernel(1).act(Act.Kind.IDENTITY).build());
        this.block = addChildBlock("block", b);
        this.stochasticDepth = addChildBlock("stochastic_depth", new StochasticDepth(sdProb));
        this.residual = stride == 1 && in == out;
        if (residual) {
            this.skipAdd = addChildBlock("skip_add", new Add());
        }
    }

    /** True when the input is added back (stride 1, equal widths). */
    public boolean residual() {
        return residual;
    }

    /** The conv/SE chain (child "block"). */
    public Sequential block() {
        return block;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList y = block.forward(ps, inputs, training, params);
        if (!residual) {
            return y;
        }
        NDArray r = stochasticDepth.forward(ps, y, training, params).singletonOrThrow();
        return skipAdd.forward(ps, new NDList(r, inputs.singletonOrThrow()), training, params);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        block.initialize(manager, dataType, inputShapes);
        if (residual) {
            skipAdd.initialize(manager, dataType, inputShapes[0], inputShapes[0]);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return block.getOutputShapes(inputShapes);
    }
}
