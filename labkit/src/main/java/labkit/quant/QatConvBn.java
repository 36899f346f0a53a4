package labkit.quant;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Map;
import labkit.nn.BatchNorms;
import labkit.nn.BlockTree;

/**
 * A Conv2d and its BatchNorm trained together with a fake-quantized weight, as PyTorch's QAT
 * {@code torch.ao.nn.intrinsic.qat.ConvBn2d} (inside a {@link labkit.nn.ConvAct} for {@code ConvBnReLU2d}): each
 * forward folds the weight with the BN's running std, {@code W·γ/√(running_var+ε)}, fake-quantizes that, convolves,
 * divides the folding back out and runs the BatchNorm — with batch statistics (updating the running ones) in
 * training, with the running statistics once {@link #freezeBatchNorm()} was called (torch's
 * {@code freeze_bn_stats}) or in eval. {@link #fold()} (done by {@link Qat#convert()}) returns the plain conv with
 * the BN folded in by its running statistics and the weight on its int8 grid. Children "conv" and "bn".
 */
public final class QatConvBn extends AbstractBlock {
    private final Conv2d conv;
    private final BatchNorm bn;
    private final Observer weightObserver;
    private boolean bnFrozen;

    public QatConvBn(Conv2d conv, BatchNorm bn, Observer weightObserver) {
        super((byte) 1);
        this.conv = addChildBlock("conv", conv);
        this.bn = addChildBlock("bn", bn);
        this.weightObserver = weightObserver;
    }

    public Observer weightObserver() {
        return weightObserver;
    }

    /** From now on the BatchNorm normalizes with (and no longer updates) its running statistics. */
    public void freezeBatchNorm() {
        bnFrozen = true;
    }

    /** Whether {@link #freezeBatchNorm()} was called. */
    public boolean batchNormFrozen() {
        return bnFrozen;
    }

    /**
     * The conv with the BN folded in by its running statistics ({@link BnFusion}'s formula), whose weight the
     * observer sees once more and which is then put on its int8 grid; returns the new block and its qparams.
     */
    Map.Entry<Block, QParams> fold() {
        Block folded = BnFusion.fold(conv, bn);
        Parameter w = folded.getParameters().get("weight");
        weightObserver.observe(w.getArray());
        QParams qp = weightObserver.calculateQParams();
        try (NDArray fq = Quantizer.fakeQuantize(w.getArray().stopGradient(), qp, false)) {
            w.getArray().set(fq.toFloatArray());
        }
        return Map.entry(folded, qp);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Device device = x.getDevice();
        Map<String, Parameter> b = BlockTree.parameters(bn);
        NDArray w = ps.getValue(conv.getParameters().get("weight"), device, training);
        long out = w.getShape().get(0);
        NDArray scale;
        NDArray wq;
        try (NDScope scope = new NDScope()) {
            NDArray var = ps.getValue(b.get("running_var"), device, training).stopGradient();
            NDArray std = var.add(BatchNorms.epsilon(bn)).sqrt();
            scale = b.containsKey("weight") ? ps.getValue(b.get("weight"), device, training).div(std)
                    : std.pow(-1f); // torch: scale_factor = bn.weight / running_std
            NDArray scaled = w.mul(scale.reshape(out, 1, 1, 1));
            if (training || !weightObserver.hasObserved()) {
                weightObserver.observe(scaled.stopGradient());
            }
            wq = Quantizer.fakeQuantize(scaled, weightObserver.calculateQParams(), training);
            NDScope.unregister(scale, wq);
        }
        // computed from parameters, so attached to the model's manager: freed with this pass instead (as QatLayer)
        scale.attach(x.getManager());
        wq.attach(x.getManager());
        NDArray y = Conv2d.conv2d(x, wq, null, conv.getStride(), conv.getPadding(), conv.getDilation(),
                conv.getGroups()).singletonOrThrow();
        y = y.div(scale.reshape(1, out, 1, 1));
        if (conv.getParameters().contains("bias")) {
            y = y.add(ps.getValue(conv.getParameters().get("bias"), device, training).reshape(1, out, 1, 1));
        }
        return bn.forward(ps, new NDList(y), training && !bnFrozen, params);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        conv.initialize(manager, dataType, inputShapes);
        bn.initialize(manager, dataType, conv.getOutputShapes(inputShapes));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return conv.getOutputShapes(inputShapes);
    }

    @Override
    public String toString() {
        return "QatConvBn(" + weightObserver + (bnFrozen ? ", BN frozen" : "") + ")";
    }
}
