package labkit.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import labkit.nn.Wrapper;

/**
 * Wraps a layer and watches its output, PyTorch's {@code activation_post_process}: in {@link Mode#OBSERVE} the
 * output passes unchanged through an {@link Observer}; after {@link #freeze()} ({@link Mode#FAKE_QUANT}) it is
 * fake-quantized with the observer's qparams; {@link Mode#OBSERVE_AND_FAKE_QUANT} is QAT's FakeQuantize (both,
 * qparams refreshed each batch). Adds no name level: the wrapped layer keeps its parameter keys.
 */
public final class Observed extends AbstractBlock implements Wrapper {

    /** What the wrapper does with the output. */
    public enum Mode { OBSERVE, FAKE_QUANT, OBSERVE_AND_FAKE_QUANT }

    private final Block inner;
    private final Observer observer;
    private Mode mode = Mode.OBSERVE;
    private QParams qparams;
    private GridTrace trace;
    private boolean roundDown;

    public Observed(Block inner, Observer observer) {
        super((byte) 1);
        this.inner = addChildBlock("module", inner);
        this.observer = observer;
    }

    @Override
    public Block inner() {
        return inner;
    }

    public Observer observer() {
        return observer;
    }

    public Mode mode() {
        return mode;
    }

    /** Sets the mode; FAKE_QUANT needs qparams (call {@link #freeze()}). */
    public void mode(Mode m) {
        this.mode = m;
    }

    /** Computes qparams from the observer and switches to fake-quantizing with them. */
    public QParams freeze() {
        qparams = observer.calculateQParams();
        mode = Mode.FAKE_QUANT;
        return qparams;
    }

    /** Switches to fake-quantizing with given qparams (e.g. read back from a saved quantized model). */
    public void freeze(QParams given) {
        this.qparams = java.util.Objects.requireNonNull(given, "qparams");
        mode = Mode.FAKE_QUANT;
    }

    /** The frozen (or last QAT) qparams; null before any. */
    public QParams qparams() {
        return qparams;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        GridTrace t = trace;
        if (t != null) {
            t.enter(this, inputs.head());
        }
        NDArray y = inner.forward(ps, inputs, training, params).singletonOrThrow();
        NDArray out;
        switch (mode) {
            case OBSERVE:
                observer.observe(y);
                out = y;
                break;
            case OBSERVE_AND_FAKE_QUANT:
                observer.observe(y);
                qparams = observer.calculateQParams();
                out = Quantizer.fakeQuantize(y, qparams, training);
                break;
            case FAKE_QUANT:
            default:
                if (qparams == null) {
                    throw new IllegalStateException("Observed in FAKE_QUANT mode without qparams: call freeze()");
                }
                out = roundDown ? Quantizer.fakeQuantizeFloor(y, qparams) : Quantizer.fakeQuantize(y, qparams, training);
        }
        if (t != null) {
            t.leave(this);
        }
        return new NDList(out);
    }

    /** Set by {@link Ptq} for an interpolating up-sampling on its input's grid: its fake-quant rounds down. */
    void roundDown(boolean on) {
        this.roundDown = on;
    }

    /** Set by {@link Ptq} for one tracing forward after convert; null otherwise. */
    void trace(GridTrace t) {
        this.trace = t;
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        inner.initialize(manager, dataType, inputShapes);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return inner.getOutputShapes(inputShapes);
    }

    @Override
    public String toString() {
        return "Observed(" + inner.getClass().getSimpleName() + ", " + observer + ", " + mode + ")";
    }
}
