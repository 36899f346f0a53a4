package labkit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.djl.util.PairList;

/**
 * One BiFPN node (EfficientDet, Tan et al. 2020): fast normalised fusion of {@code n} same-shaped N×W×H×W inputs,
 * {@code out = Σ_j relu(w_j)·x_j / (Σ_j relu(w_j) + 1e-4)} with one learnable scalar per input (parameter
 * {@code weight}, shape (n), initialised to 1), followed by a depthwise-separable 3×3 conv: children
 * {@code depthwise} (3×3, groups = W, no bias), {@code pointwise} (1×1, no bias), {@code bn} (PyTorch
 * defaults 1e-5, momentum 0.1) and {@code act} (SiLU). Children {@code partial1} … (a running sum of three or more
 * inputs) and {@code fused} are {@link QuantPoint}s: identities in float, where an int8 model re-quantizes.
 */
public final class FusionNode extends AbstractBlock implements Container {
    /** The ε in the fast normalised fusion denominator. */
    public static final float EPS = 1e-4f;

    private final int inputs;
    private final Parameter weight;
    private Block depthwise;
    private Block pointwise;
    private Block bn;
    private Block act;
    private final Block[] partial;
    private Block fused;

    /** A node fusing {@code inputs} maps of {@code width} channels. */
    public FusionNode(int inputs, int width) {
        super((byte) 1);
        if (inputs < 1 || width < 1) {
            throw new IllegalArgumentException("FusionNode needs inputs >= 1 and width >= 1, got " + inputs + ", " + width);
        }
        this.inputs = inputs;
        this.weight = addParameter(Parameter.builder().setName("weight").setType(Parameter.Type.OTHER)
                .optShape(new Shape(inputs)).optInitializer(Initializer.ONES).build());
        this.partial = new Block[Math.max(0, inputs - 2)];
        for (int j = 0; j < partial.length; j++) {
            partial[j] = addChildBlock("partial" + (j + 1), new QuantPoint());
        }
        this.fused = addChildBlock("fused", new QuantPoint());
        this.depthwise = addChildBlock("depthwise", Conv2d.builder().setKernelShape(new Shape(3, 3)).setFilters(width)
                .optPadding(new Shape(1, 1)).optGroups(width).optBias(false).build());
        this.pointwise = addChildBlock("pointwise", Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(width)
                .optBias(false).build());
        this.bn = addChildBlock("bn", ConvBnAct.batchNorm(1e-5f));
        this.act = addChildBlock("act", Act.silu());
    }

    /** Number of fused inputs. */
    public int inputs() {
        return inputs;
    }

    /** The fusion itself, {@code Σ relu(w_j) x_j / (Σ relu(w_j) + 1e-4)}, without the conv that follows. */
    public static NDArray fuse(NDList xs, NDArray w) {
        return fuse(xs, w, null, null, false, null);
    }

    /**
     * The fusion with its quantization points: {@code partial[j-1]} sees the running sum after term j (for j = 1 ..
     * n-2, before the division), {@code fused} the result; in a float model both are identities.
     */
    private static NDArray fuse(NDList xs, NDArray w, Block[] partial, ParameterStore ps, boolean training,
            PairList<String, Object> params) {
        NDArray wr = Activation.relu(w);
        // ops on the weight land in the weight's (the model's) manager: move relu(w) to the inputs' so it and the
        // scalars taken from it are freed with the batch (each forward of a DepthNet left 63 arrays in the model)
        wr.attach(xs.head().getManager());
        NDArray sum = null;
        for (int j = 0; j < xs.size(); j++) {
            NDArray term = xs.get(j).mul(wr.get(j));
            sum = sum == null ? term : sum.add(term);
            if (partial != null && j >= 1 && j < xs.size() - 1) {
                sum = partial[j - 1].forward(ps, new NDList(sum), training, params).singletonOrThrow();
            }
        }
        return sum.div(wr.sum().add(EPS));
    }

    /** Swaps a child (BN fusion, observer insertion); the forward pass uses the new one. */
    @Override
    public void replaceChild(String name, Block block) {
        Container.replaceIn(children, name, block, this);
        switch (name) {
            case "depthwise" -> depthwise = block;
            case "pointwise" -> pointwise = block;
            case "bn" -> bn = block;
            case "act" -> act = block;
            case "fused" -> fused = block;
            default -> {
                if (name.startsWith("partial")) {
                    partial[Integer.parseInt(name.substring("partial".length())) - 1] = block;
                } else {
                    throw new IllegalStateException(name);
                }
            }
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
        if (in.size() != inputs) {
            throw new IllegalArgumentException("FusionNode expects " + inputs + " inputs, got " + in.size());
        }
        NDArray w = ps.getValue(weight, in.head().getDevice(), training);
        NDList x = fused.forward(ps, new NDList(fuse(in, w, partial, ps, training, params)), training, params);
        for (Block b : new Block[] {depthwise, pointwise, bn, act}) {
            x = b.forward(ps, x, training, params);
        }
        return x;
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        if (in.length != inputs) {
            throw new IllegalArgumentException("FusionNode expects " + inputs + " inputs, got " + in.length);
        }
        for (int j = 1; j < in.length; j++) {
            if (!in[j].equals(in[0])) {
                throw new IllegalArgumentException("FusionNode: input " + j + " has shape " + in[j] + " but input 0 has "
                        + in[0] + "; resample the inputs to one size first");
            }
        }
        return new Shape[] {in[0]};
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... in) {
        Shape s = in[0];
        for (Block b : new Block[] {depthwise, pointwise, bn, act}) {
            b.initialize(manager, dataType, s);
            s = b.getOutputShapes(new Shape[] {s})[0];
        }
    }

    @Override
    public String toString() {
        return "FusionNode(inputs=" + inputs + ")";
    }

}
