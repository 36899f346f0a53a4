package labkit.nn;

import ai.djl.nn.Block;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;

/**
 * Multi-head self-attention on batch-first sequences (B×L×E → B×L×E), as PyTorch's
 * {@code nn.MultiheadAttention(E, heads, batch_first=True)} called with {@code (x, x, x)}: one packed input
 * projection ({@code in_proj_weight} 3E×E, {@code in_proj_bias}), scaled dot-product attention per head, and
 * {@code out_proj}. Parameter names and counts match PyTorch's state dict.
 */
public final class MultiheadAttention extends ContainerBlock {
    private final int embedDim;
    private final int heads;
    private final Parameter inProjWeight;
    private final Parameter inProjBias;
    private Block outProj;

    public MultiheadAttention(int embedDim, int heads) {
        super((byte) 1);
        if (heads < 1 || embedDim % heads != 0) {
            throw new IllegalArgumentException("embedDim (" + embedDim + ") must be divisible by heads (" + heads + ")");
        }
        this.embedDim = embedDim;
        this.heads = heads;
        inProjWeight = addParameter(Parameter.builder().setName("in_proj_weight").setType(Parameter.Type.WEIGHT)
                .optInitializer(new XavierInitializer()).optShape(new Shape(3L * embedDim, embedDim)).build());
        inProjBias = addParameter(Parameter.builder().setName("in_proj_bias").setType(Parameter.Type.BIAS)
                .optShape(new Shape(3L * embedDim)).build());
        outProj = addChildBlock("out_proj", Linear.builder().setUnits(embedDim).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        long b = x.getShape().get(0);
        long l = x.getShape().get(1);
        long d = embedDim / heads;
        NDArray w = ps.getValue(inProjWeight, x.getDevice(), training);
        NDArray bias = ps.getValue(inProjBias, x.getDevice(), training);
        NDArray wt = w.transpose();
        wt.attach(x.getManager()); // a view of the weight: it would stay in the model's manager
        NDArray qkv = x.matMul(wt).add(bias); // B×L×3E
        NDList parts = qkv.split(3, 2);
        NDArray q = parts.get(0).reshape(b, l, heads, d).transpose(0, 2, 1, 3);
        NDArray k = parts.get(1).reshape(b, l, heads, d).transpose(0, 2, 1, 3);
        NDArray v = parts.get(2).reshape(b, l, heads, d).transpose(0, 2, 1, 3);
        NDArray scores = q.matMul(k.transpose(0, 1, 3, 2)).div((float) Math.sqrt(d));
        NDArray attn = scores.softmax(-1).matMul(v); // B×H×L×D
        NDArray merged = attn.transpose(0, 2, 1, 3).reshape(b, l, embedDim);
        return outProj.forward(ps, new NDList(merged), training);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        outProj.initialize(manager, dataType, inputShapes[0]);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }

    @Override
    public String toString() {
        return "MultiheadAttention(embed_dim=" + embedDim + ", num_heads=" + heads + ")";
    }
}
