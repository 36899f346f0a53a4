package labkit.quant;

import ai.djl.nn.Block;
import java.util.Map;
import tech.tablesaw.api.Table;

/**
 * Quantization-aware training in PyTorch's eager-mode steps:
 * <pre>
 * Qat qat = Qat.prepare(model, QConfig.fbgemmQat());  // fuse Conv+BN(+ReLU), fake-quant weights and activations
 * ... train qat.model() as usual (DJL Trainer or a GradientCollector loop) ...
 * Block q = qat.convert();                             // int8-grid weights, frozen activation qparams
 * </pre>
 * Weights are fake-quantized in every forward by {@link QatLayer}s and activations by {@link Observed} wrappers in
 * {@link Observed.Mode#OBSERVE_AND_FAKE_QUANT}; gradients pass straight through. Differences from PyTorch: BN is
 * folded before training (PyTorch's {@code ConvBnReLU2d} keeps updating BN statistics during QAT and folds at
 * convert), and observers update only in training-mode forwards for weights.
 */
public final class Qat {
    private final Ptq ptq;

    private Qat(Ptq ptq) {
        this.ptq = ptq;
    }

    /** Fuses BN and inserts fake-quant modules from a QAT {@code qconfig} (e.g. {@link QConfig#fbgemmQat()}). */
    public static Qat prepare(Block model, QConfig qconfig) {
        Ptq.checkPreparable(model);
        return new Qat(new Ptq(model, qconfig, true));
    }

    /** The model to train (changed in place). */
    public Block model() {
        return ptq.model();
    }

    /** Freezes qparams and puts weights on their int8 grid; the result runs like {@link Ptq#convert()}'s. */
    public Block convert() {
        return ptq.convert();
    }

    /** The underlying prepared/converted state (qparams maps, observers, saving with {@link QuantizedModelFile}). */
    public Ptq state() {
        return ptq;
    }

    /** Weight qparams by layer path (after convert). */
    public Map<String, QParams> weightQParams() {
        return ptq.weightQParams();
    }

    /** Per-layer qparams as a table (see {@link Ptq#qparamsTable()}). */
    public Table qparamsTable() {
        return ptq.qparamsTable();
    }
}
