package labkit.nn;

import ai.djl.ndarray.NDArray;
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
 * MobileNetV2's inverted residual block, laid out like torchvision's (quantizable) {@code InvertedResidual}:
 * child {@code conv} = [{@code 0}: 1×1 expand conv+BN+act to {@code round(in·t)} channels, if t ≠ 1] →
 * depthwise 3×3 conv+BN+act (stride s) → 1×1 linear projection conv → BN; and child {@code skip_add} (an
 * {@link Add}, PyTorch's {@code FloatFunctional.add}, observed by PTQ) joining input and output when stride is 1
 * and in == out ({@link #useResConnect()}). State-dict keys equal torchvision's ({@code conv.0.0.weight}, …,
 * {@code conv.3.running_var} for t ≠ 1). The activation is ReLU6 by default (ReLU in the quantizable variant).
 */
public final class InvertedResidual extends AbstractBlock implements Container {
    private final int in;
    private final int out;
    private final int stride;
    private final double expandRatio;
    private final boolean useRes;
    private Block conv;
    private Block skipAdd;

    /** torchvision's {@code InvertedResidual(inp, oup, stride, expand_ratio)} with ReLU6. */
    public InvertedResidual(int in, int out, int stride, double expandRatio) {
        this(in, out, stride, expandRatio, Act.Kind.RELU6);
    }

    /**
     * @param in input channels
     * @param out output channels
     * @param stride 1 or 2 (on the depthwise conv)
     * @param expandRatio hidden width = round(in × expandRatio)
     * @param act activation after expand and depthwise convs (RELU6 in torchvision, RELU when quantizable)
     */
    public InvertedResidual(int in, int out, int stride, double expandRatio, Act.Kind act) {
        super((byte) 1);
        if (stride != 1 && stride != 2) {
            throw new IllegalArgumentException("InvertedResidual stride must be 1 or 2, got " + stride);
        }
        if (in < 1 || out < 1 || expandRatio <= 0) {
            throw new IllegalArgumentException("InvertedResidual needs in, out >= 1 and expandRatio > 0, got " + in
                    + ", " + out + ", " + expandRatio);
        }
        this.in = in;
        this.out = out;
        this.stride = stride;
        this.expandRatio = expandRatio;
        this.useRes = stride == 1 && in == out;
        int hidden = (int) Math.round(in * expandRatio);
        Sequential c = new Sequential();
        if (expandRatio != 1) {
            c.add(ConvBnAct.builder(hidden).kernel(1).act(act).build());
        }
        c.add(ConvBnAct.builder(hidden).kernel(3).stride(stride).groups(hidden).act(act).build());
        c.add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(out).optBias(false).build());
        c.add(ConvBnAct.batchNorm(1e-5f));
        this.conv = addChildBlock("conv", c);
        if (useRes) {
            this.skipAdd = addChildBlock("skip_add", new Add());
        }
    }

    public int inChannels() { return in; }
    public int outChannels() { return out; }
    public int stride() { return stride; }
    public double expandRatio() { return expandRatio; }
    /** True when the input is added to the output (stride 1 and in == out), as torchvision's use_res_connect. */
    public boolean useResConnect() { return useRes; }
    /** Same as {@link #useResConnect()}. */
    public boolean useResidual() { return useRes; }

    /** The {@code conv} branch. */
    public Block conv() {
        return conv;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (x.getShape().dimension() != 4 || x.getShape().get(1) != in) {
            throw new IllegalArgumentException("InvertedResidual(" + in + "→" + out + ") expects N×" + in + "×H×W, got "
                    + x.getShape());
        }
        NDList y = conv.forward(ps, inputs, training, params);
        if (!useRes) {
            return y;
        }
        return skipAdd.forward(ps, new NDList(x, y.singletonOrThrow()), training, params);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        conv.initialize(manager, dataType, inputShapes);
        if (useRes) {
            skipAdd.initialize(manager, dataType, inputShapes[0], inputShapes[0]);
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return conv.getOutputShapes(inputShapes);
    }

    @Override
    public void replaceChild(String name, Block block) {
        Container.replaceIn(children, name, block, this);
        if ("conv".equals(name)) {
            conv = block;
        } else {
            skipAdd = block;
        }
    }

    @Override
    public String toString() {
        return "InvertedResidual(" + in + "→" + out + ", stride " + stride + ", t=" + expandRatio + ")";
    }
}
