package labkit.quant;

import java.util.Objects;
import java.util.function.Supplier;

/**
 * Which observers watch activations and weights, as PyTorch's {@code QConfig(activation=..., weight=...)}: each
 * side is a factory, so every layer gets its own observer. Presets carry PyTorch's names and settings
 * ({@code get_default_qconfig("fbgemm")}, {@code get_default_qat_qconfig("qnnpack")}, ...); build your own with
 * {@code new QConfig("mine", () -> MinMaxObserver.builder().build(), () -> ...)}.
 *
 * @param name a label for tables and notebooks
 * @param activation makes one activation observer
 * @param weight makes one weight observer
 */
public record QConfig(String name, Supplier<Observer> activation, Supplier<Observer> weight) {

    public QConfig {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(activation, "activation observer factory");
        Objects.requireNonNull(weight, "weight observer factory");
    }

    /** {@code get_default_qconfig("fbgemm")}: Histogram quint8 reduce_range activations, per-channel symmetric qint8 weights. */
    public static QConfig fbgemm() {
        return new QConfig("fbgemm", () -> HistogramObserver.builder().reduceRange(true).build(),
                QConfig::perChannelWeight);
    }

    /** {@code get_default_qconfig("x86")} in PyTorch 1.13: the same observers as fbgemm. */
    public static QConfig x86() {
        return new QConfig("x86", fbgemm().activation(), fbgemm().weight());
    }

    /**
     * {@code get_default_qconfig("onednn")}: Histogram quint8 activations over the full 0..255 range (no
     * reduce_range), per-channel symmetric qint8 weights. Meant for CPUs with VNNI: on AVX2-only CPUs oneDNN's
     * u8 × s8 pair sums saturate at 16 bits with full-range activations (torch's onednn kernels then land several output
     * steps off, see PtqTorchTest), which is why fbgemm/x86 reduce the range. labkit's simulation accumulates
     * in int32 and is exact either way.
     */
    public static QConfig onednn() {
        return new QConfig("onednn", () -> HistogramObserver.builder().build(), QConfig::perChannelWeight);
    }

    /** {@code get_default_qconfig("qnnpack")}: Histogram quint8 activations (full range), per-tensor symmetric qint8 weights. */
    public static QConfig qnnpack() {
        return new QConfig("qnnpack", () -> HistogramObserver.builder().build(), () -> MinMaxObserver.builder()
                .dtype(QuantDType.QINT8).qscheme(QScheme.PER_TENSOR_SYMMETRIC).build());
    }

    /**
     * {@code get_default_qat_qconfig("fbgemm")}: moving-average min/max activations (quint8 0..255 with
     * reduce_range, i.e. 0..127) and moving-average per-channel symmetric qint8 weights.
     */
    public static QConfig fbgemmQat() {
        return new QConfig("fbgemm_qat", () -> MovingAverageMinMaxObserver.builder().quantRange(0, 255)
                .reduceRange(true).build(), () -> MovingAveragePerChannelMinMaxObserver.builder()
                .dtype(QuantDType.QINT8).qscheme(QScheme.PER_CHANNEL_SYMMETRIC).quantRange(-128, 127).build());
    }

    /**
     * {@code get_default_qat_qconfig("onednn")}: moving-average min/max quint8 activations 0..255 (no
     * reduce_range) and moving-average per-channel symmetric qint8 weights.
     */
    public static QConfig onednnQat() {
        return new QConfig("onednn_qat", () -> MovingAverageMinMaxObserver.builder().quantRange(0, 255).build(),
                fbgemmQat().weight());
    }

    /** {@code get_default_qat_qconfig("qnnpack")}: moving-average quint8 activations, per-tensor symmetric qint8 weights. */
    public static QConfig qnnpackQat() {
        return new QConfig("qnnpack_qat", () -> MovingAverageMinMaxObserver.builder().quantRange(0, 255).build(),
                () -> MovingAverageMinMaxObserver.builder().dtype(QuantDType.QINT8)
                        .qscheme(QScheme.PER_TENSOR_SYMMETRIC).quantRange(-128, 127).build());
    }

    /** A preset by PyTorch backend name: "fbgemm", "x86", "onednn", "qnnpack" (PTQ). */
    public static QConfig of(String backend) {
        switch (backend) {
            case "fbgemm": return fbgemm();
            case "x86": return x86();
            case "onednn": return onednn();
            case "qnnpack": return qnnpack();
            default: throw new IllegalArgumentException("unknown backend '" + backend
                    + "': use fbgemm, x86, onednn or qnnpack (or QConfig.fbgemmQat()/onednnQat()/qnnpackQat() for QAT)");
        }
    }

    private static Observer perChannelWeight() {
        return PerChannelMinMaxObserver.builder().dtype(QuantDType.QINT8).qscheme(QScheme.PER_CHANNEL_SYMMETRIC)
                .build();
    }
}
