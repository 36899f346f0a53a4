package labkit.quant;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import labkit.nn.Act;
import labkit.nn.Container;
import labkit.nn.Mul;

/**
 * SiLU written as its two ops, {@code x · σ(x)}, with children "sigmoid" and "mul": what PTQ and QAT put in place of
 * an {@link Act} SiLU so that σ(x) gets its own observer. An int8 model then runs SiLU as int8 sigmoid and int8
 * multiply (ONNX Runtime's QLinearSigmoid and QLinearMul) instead of in float between dequantize and quantize;
 * the simulated model rounds at the same two points.
 */
public final class SplitSilu extends AbstractBlock implements Container {
    private Block sigmoid;
    private Block mul;

    public SplitSilu() {
        super((byte) 1);
        sigmoid = addChildBlock("sigmoid", Act.sigmoid());
        mul = addChildBlock("mul", new Mul());
    }

    @Override
    public void replaceChild(String name, Block block) {
        Container.replaceIn(children, name, block, this);
        switch (name) {
            case "sigmoid" -> sigmoid = block;
            case "mul" -> mul = block;
            default -> throw new IllegalStateException(name);
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDList s = sigmoid.forward(ps, inputs, training, params);
        return mul.forward(ps, new NDList(inputs.singletonOrThrow(), s.singletonOrThrow()), training, params);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        // no parameters
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "SplitSilu()";
    }
}
