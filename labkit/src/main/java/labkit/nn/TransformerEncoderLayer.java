package labkit.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * One transformer encoder layer on batch-first sequences, as PyTorch's {@code nn.TransformerEncoderLayer(d_model,
 * nhead, dim_feedforward, dropout, activation="relu", batch_first=True, norm_first)}: post-norm (default)
 * {@code x = norm1(x + dropout1(self_attn(x))); x = norm2(x + dropout2(linear2(dropout(relu(linear1(x))))))}, or
 * pre-norm with {@code normFirst} ({@code x = x + self_attn(norm1(x)); x = x + ff(norm2(x))}). Children are named
 * as PyTorch's (self_attn, linear1, dropout, linear2, norm1, norm2, dropout1, dropout2, activation). DJL's own
 * {@code TransformerEncoderBlock} is not used: it normalises with BatchNorm, adds the block input as the second
 * residual and builds its feed-forward from lambdas.
 */
public final class TransformerEncoderLayer extends ContainerBlock {
    private final boolean normFirst;
    private Block selfAttn;
    private Block linear1;
    private Block dropout;
    private Block linear2;
    private Block norm1;
    private Block norm2;
    private Block dropout1;
    private Block dropout2;
    private Block activation;

    public TransformerEncoderLayer(int dModel, int nhead, int dimFeedforward, float dropoutRate, boolean normFirst) {
        super((byte) 1);
        this.normFirst = normFirst;
        selfAttn = addChildBlock("self_attn", new MultiheadAttention(dModel, nhead));
        linear1 = addChildBlock("linear1", Linear.builder().setUnits(dimFeedforward).build());
        dropout = addChildBlock("dropout", Dropout.builder().optRate(dropoutRate).build());
        linear2 = addChildBlock("linear2", Linear.builder().setUnits(dModel).build());
        norm1 = addChildBlock("norm1", LayerNorm.builder().axis(2).optEpsilon(1e-5f).build());
        norm2 = addChildBlock("norm2", LayerNorm.builder().axis(2).optEpsilon(1e-5f).build());
        dropout1 = addChildBlock("dropout1", Dropout.builder().optRate(dropoutRate).build());
        dropout2 = addChildBlock("dropout2", Dropout.builder().optRate(dropoutRate).build());
        activation = addChildBlock("activation", Act.relu());
    }

    private NDArray run(Block b, ParameterStore ps, NDArray x, boolean training) {
        return b.forward(ps, new NDList(x), training).singletonOrThrow();
    }

    private NDArray attention(ParameterStore ps, NDArray x, boolean training) {
        return run(dropout1, ps, run(selfAttn, ps, x, training), training);
    }

    private NDArray feedForward(ParameterStore ps, NDArray x, boolean training) {
        NDArray h = run(dropout, ps, run(activation, ps, run(linear1, ps, x, training), training), training);
        return run(dropout2, ps, run(linear2, ps, h, training), training);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (normFirst) {
            x = x.add(attention(ps, run(norm1, ps, x, training), training));
            x = x.add(feedForward(ps, run(norm2, ps, x, training), training));
        } else {
            x = run(norm1, ps, x.add(attention(ps, x, training)), training);
            x = run(norm2, ps, x.add(feedForward(ps, x, training)), training);
        }
        return new NDList(x);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = inputShapes[0];
        selfAttn.initialize(manager, dataType, s);
        linear1.initialize(manager, dataType, s);
        Shape hidden = linear1.getOutputShapes(new Shape[] {s})[0];
        dropout.initialize(manager, dataType, hidden);
        activation.initialize(manager, dataType, hidden);
        linear2.initialize(manager, dataType, hidden);
        norm1.initialize(manager, dataType, s);
        norm2.initialize(manager, dataType, s);
        dropout1.initialize(manager, dataType, s);
        dropout2.initialize(manager, dataType, s);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
