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
 * Squeeze-and-excitation as torchvision's {@code SqueezeExcitation}: children "avgpool", "fc1" (1×1 conv with
 * bias to the squeeze width), "activation", "fc2" (1×1 conv back) and "scale_activation"; the input is multiplied
 * by the resulting per-channel scale in child "skip_mul" (a {@link Mul}, as torchvision's quantizable SE).
 */
public final class SqueezeExcitation extends AbstractBlock implements Container {
    private Block avgpool;
    private Block fc1;
    private Block fc2;
    private Block activation;
    private Block scaleActivation;
    private Block skipMul;

    /**
     * @param channels input (and output) channels
     * @param squeeze  width of the bottleneck (EfficientNet: {@code max(1, blockInput / 4)})
     */
    public SqueezeExcitation(int channels, int squeeze, Act.Kind act, Act.Kind scaleAct) {
        super((byte) 1);
        if (channels < 1 || squeeze < 1) {
            throw new IllegalArgumentException("SqueezeExcitation: channels and squeeze width must be >= 1, got "
                    + channels + ", " + squeeze);
        }
        avgpool = addChildBlock("avgpool", new GlobalAvgPool());
        fc1 = addChildBlock("fc1", conv1x1(squeeze));
        fc2 = addChildBlock("fc2", conv1x1(channels));
        activation = addChildBlock("activation", new Act(act));
        scaleActivation = addChildBlock("scale_activation", new Act(scaleAct));
        skipMul = addChildBlock("skip_mul", new Mul());
    }

    private static Conv2d conv1x1(int out) {
        return Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(out).optBias(true).build();
    }

    /** Swaps a child (observer insertion, conversion); the forward pass uses the new one. */
    @Override
    public void replaceChild(String name, Block block) {
        Container.replaceIn(children, name, block, this);
        switch (name) {
            case "avgpool" -> avgpool = block;
            case "fc1" -> fc1 = block;
            case "fc2" -> fc2 = block;
            case "activation" -> activation = block;
            case "scale_activation" -> scaleActivation = block;
            case "skip_mul" -> skipMul = block;
            default -> throw new IllegalStateException(name);
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        NDList s = avgpool.forward(ps, inputs, training, params);
        s = fc1.forward(ps, s, training, params);
        s = activation.forward(ps, s, training, params);
        s = fc2.forward(ps, s, training, params);
        s = scaleActivation.forward(ps, s, training, params);
        return skipMul.forward(ps, new NDList(x, s.singletonOrThrow()), training, params);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape in = inputShapes[0];
        Shape pooled = new Shape(in.get(0), in.get(1), 1, 1);
        fc1.initialize(manager, dataType, pooled);
        fc2.initialize(manager, dataType, fc1.getOutputShapes(new Shape[] {pooled}));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
