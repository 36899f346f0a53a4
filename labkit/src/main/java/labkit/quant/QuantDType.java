package labkit.quant;

/**
 * The 8-bit integer types of PyTorch's quantization ({@code torch.quint8}, {@code torch.qint8}) with their
 * integer ranges; {@code reduceRange} drops one bit (0..127, -64..63) as fbgemm's x86 kernels need.
 */
public enum QuantDType {
    /** Unsigned 8-bit, 0..255 (activations). */
    QUINT8(0, 255),
    /** Signed 8-bit, -128..127 (weights). */
    QINT8(-128, 127);

    private final int min;
    private final int max;

    QuantDType(int min, int max) {
        this.min = min;
        this.max = max;
    }

    /** Smallest integer of the full range. */
    public int min() {
        return min;
    }

    /** Largest integer of the full range. */
    public int max() {
        return max;
    }

    /** {@code quant_min} as PyTorch's {@code calculate_qmin_qmax} picks it without a custom range. */
    public int quantMin(boolean reduceRange) {
        return reduceRange ? (this == QUINT8 ? 0 : -64) : min;
    }

    /** {@code quant_max} as PyTorch's {@code calculate_qmin_qmax} picks it without a custom range. */
    public int quantMax(boolean reduceRange) {
        return reduceRange ? (this == QUINT8 ? 127 : 63) : max;
    }

    /** Bits per value (8): the histogram observer's {@code dst_nbins = 2**bits}. */
    public int bits() {
        return 8;
    }
}
