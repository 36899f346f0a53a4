package labkit.nn;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * MobileNetV2's inverted residual, laid out like torchvision's (quantizable) {@code InvertedResidual}: child
 * {@code conv} = [1×1 expand ConvBnAct if expandRatio ≠ 1] → depthwise 3×3 ConvBnAct → 1×1 projection conv →
 * BatchNorm, and child {@code skip_add} (an {@link Add}) joining input and output when stride is 1 and
 * in == out channels.
 */
public final class InvertedResidual extends AbstractBlock implements Container {
    private Block conv;
    private Block skipAdd;
    private final boolean useResidual;

    /**
     * @param in input channels
     * @param out output channels
     * @param stride 1 or 2 (on the depthwise conv)
     * @param expandRatio hidden width = round(in × expandRatio)
     * @param act activation after expand and depthwise convs (RELU6 in torchvision, RELU when quantizable)
     */
    public InvertedResidual(int in, int out, int stride, int expandRatio, Act.Kind act) {
        super((byte) 1);
        if (stride != 1 && stride != 2) {
            throw new IllegalArgumentException("stride must be 1 or 2, got " + stride);
        }
        int hidden = Math.round(in * (float) expandRatio);
        Sequential layers = new Sequential();
        if (expandRatio != 1) {
            layers.add(ConvBnAct.builder(hidden).kernel(1).act(act).build());
        }
        layers.add(ConvBnAct.builder(hidden).kernel(3).stride(stride).groups(hidden).act(act).build());
        layers.add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(out).optBias(false).build());
        layers.add(ConvBnAct.batchNorm(1e-5f));
        this.useResidual = stride == 1 && in == out;
        this.conv = addChildBlock("conv", layers);
        if (useResidual) {
            this.skipAdd = addChildBlock("skip_add", new Add());
        }
    }

    /** Whether the block adds its input to its output. */
    public boolean useResidual() {
        return useResidual;
    }

    /** The {@code conv} branch. */
    public Block conv() {
        return conv;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDList y = conv.forward(ps, inputs, training, params);
        if (!useResidual) {
            return y;
        }
        return skipAdd.forward(ps, new NDList(inputs.singletonOrThrow(), y.singletonOrThrow()), training, params);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        conv.initialize(manager, dataType, inputShapes);
        if (useResidual) {
            skipAdd.initialize(manager, dataType, inputShapes[0], inputShapes[0]);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return conv.getOutputShapes(inputShapes);
    }

    @Override
    public void replaceChild(String name, Block block) {
        for (int i = 0; i < children.size(); i++) {
            String key = children.keyAt(i);
            if (BlockTree.childName(key).equals(name)) {
                children.remove(i);
                children.add(i, key, block);
                if ("conv".equals(name)) {
                    conv = block;
                } else {
                    skipAdd = block;
                }
                return;
            }
        }
        throw new IllegalArgumentException("InvertedResidual has no child '" + name + "' (children: "
                + BlockTree.childNames(this) + ")");
    }
}
