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
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import labkit.nn.Wrapper;

/**
 * A Conv2d/Linear whose weight is fake-quantized in every forward, PyTorch's QAT modules
 * ({@code torch.ao.nn.qat.Conv2d} with {@code weight_fake_quant}): in training the weight observer sees the
 * current weight, and the layer computes with {@code fakeQuantize(weight)}, whose straight-through gradient
 * reaches the float weight. After {@link #freeze()} (done by {@link Qat#convert()}) it is a plain pass-through
 * to the wrapped layer, whose weight then sits on the int8 grid. Adds no name level.
 */
public final class QatLayer extends AbstractBlock implements Wrapper {
    private final Block layer;
    private final Observer weightObserver;
    private boolean frozen;

    public QatLayer(Block layer, Observer weightObserver) {
        super((byte) 1);
        if (!(layer instanceof Conv2d || layer instanceof Linear)) {
            throw new IllegalArgumentException("QatLayer wraps Conv2d or Linear, not " + layer.getClass().getName());
        }
        this.layer = addChildBlock("module", layer);
        this.weightObserver = weightObserver;
    }

    @Override
    public Block inner() {
        return layer;
    }

    public Observer weightObserver() {
        return weightObserver;
    }

    /** Observes the final weight, puts it on its int8 grid, and stops fake-quantizing; returns the qparams. */
    public QParams freeze() {
        Parameter w = layer.getParameters().get("weight");
        weightObserver.observe(w.getArray());
        QParams qp = weightObserver.calculateQParams();
        try (NDArray fq = Quantizer.fakeQuantize(w.getArray().stopGradient(), qp, false)) {
            w.getArray().set(fq.toFloatArray());
        }
        frozen = true;
        return qp;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        if (frozen) {
            return layer.forward(ps, inputs, training, params);
        }
        NDArray x = inputs.singletonOrThrow();
        Device device = x.getDevice();
        NDArray w = ps.getValue(layer.getParameters().get("weight"), device, training);
        Parameter bp = layer.getParameters().contains("bias") ? layer.getParameters().get("bias") : null;
        NDArray b = bp != null ? ps.getValue(bp, device, training) : null;
        NDArray wq;
        try (NDScope scope = new NDScope()) {
            if (training || !weightObserver.hasObserved()) {
                weightObserver.observe(w.stopGradient());
            }
            wq = Quantizer.fakeQuantize(w, weightObserver.calculateQParams(), training);
            NDScope.unregister(wq);
        }
        // arrays computed from the weights belong to the weights' manager, which lives as long as the model: move
        // this pass's fake-quantized weight to the input's, so it is freed with the pass (a QAT DepthNet grew by
        // ~15 MB per training step otherwise)
        wq.attach(x.getManager());
        if (layer instanceof Conv2d c) {
            return Conv2d.conv2d(x, wq, b, c.getStride(), c.getPadding(), c.getDilation(), c.getGroups());
        }
        return b != null ? Linear.linear(x, wq, b) : Linear.linear(x, wq);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        layer.initialize(manager, dataType, inputShapes);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return layer.getOutputShapes(inputShapes);
    }

    @Override
    public String toString() {
        return "QatLayer(" + layer.getClass().getSimpleName() + ", " + weightObserver + (frozen ? ", frozen" : "") + ")";
    }
}
