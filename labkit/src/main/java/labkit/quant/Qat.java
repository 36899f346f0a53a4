package labkit.quant;

import ai.djl.ndarray.NDArray;
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
 * {@link Observed.Mode#OBSERVE_AND_FAKE_QUANT}; gradients pass straight through. {@link #prepare} folds BN before
 * training; {@link #prepareWithBatchNorm} keeps it live as PyTorch's fused QAT {@code ConvBnReLU2d} does (weight
 * folded with the running std for fake-quant, batch statistics in training, {@link #freezeBatchNorm()} to switch to
 * the running ones, folded at convert). Weight observers update only in training-mode forwards.
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

    /** As {@link #prepare(Block, QConfig)} with a QConfig per layer (mixed precision, e.g. {@link LowBit#qat}). */
    public static Qat prepare(Block model, QConfigMapping qconfigs) {
        Ptq.checkPreparable(model);
        return new Qat(new Ptq(model, qconfigs, true, true, false));
    }

    /**
     * As {@link #prepare} but keeps every Conv2d → BatchNorm (→ ReLU) live as a {@link QatConvBn}, PyTorch's
     * {@code prepare_qat} on a model fused with {@code fuse_modules_qat}: BN statistics keep updating while the
     * weights learn the int8 grid; call {@link #freezeBatchNorm()} (or add {@link #freezeBatchNormAfter(int)} to the
     * training listeners) after a few epochs, as torch's recipes do. {@link #convert()} folds BN by its running
     * statistics; the result has the layout of {@link #prepare}'s, so {@link QuantizedModelFile} round trips work
     * the same.
     */
    public static Qat prepareWithBatchNorm(Block model, QConfig qconfig) {
        Ptq.checkPreparable(model);
        return new Qat(new Ptq(model, qconfig, true, true, true));
    }

    /**
     * torch's {@code freeze_bn_stats}: every live BatchNorm (from {@link #prepareWithBatchNorm}) normalizes with
     * its running statistics from now on and stops updating them. No effect after {@link #prepare}.
     */
    public Qat freezeBatchNorm() {
        ptq.qatConvBns().values().forEach(QatConvBn::freezeBatchNorm);
        return this;
    }

    /** A DJL training listener that calls {@link #freezeBatchNorm()} at the end of epoch {@code epochs} (1-based). */
    public ai.djl.training.listener.TrainingListener freezeBatchNormAfter(int epochs) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        return new ai.djl.training.listener.TrainingListenerAdapter() {
            private int seen;

            @Override
            public void onEpoch(ai.djl.training.Trainer trainer) {
                if (++seen == epochs) {
                    freezeBatchNorm();
                }
            }
        };
    }

    /**
     * The PTQ step before QAT: an eval-mode forward of one float batch in which the activation observers only watch,
     * as {@link Ptq#calibrate(NDArray)}. With a PTQ activation observer in the qconfig (e.g. {@code new
     * QConfig("ptq+qat", QConfig.fbgemm().activation(), QConfig.fbgemmQat().weight())}) and
     * {@link #freezeActivationRanges()} after it, QAT fine-tunes the weights on PTQ's activation grid.
     */
    public Qat calibrate(NDArray batch) {
        ptq.calibrateQat(batch);
        return this;
    }

    /**
     * torch's {@code disable_observer} for the activations: every activation fake-quant keeps the scale and zero
     * point it holds now, and the rest of training adapts the weights to that fixed grid (torch's QAT recipes do
     * this for the last epochs). Weight ranges keep following the weights. Call it between epochs (e.g. from
     * {@code Fit.Builder.onEpochEnd}); it cannot be undone.
     */
    public Qat freezeActivationRanges() {
        ptq.freezeActivationRanges();
        return this;
    }

    /** Whether {@link #freezeActivationRanges()} was called. */
    public boolean activationRangesFrozen() {
        return ptq.activationRangesFrozen();
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
