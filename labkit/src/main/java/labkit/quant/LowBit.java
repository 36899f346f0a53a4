package labkit.quant;

/**
 * Integer ranges and observer settings for n-bit quantization (2 to 8 bits) on PyTorch's 8-bit types, as torch
 * simulates it with {@code FakeQuantize(quant_min=..., quant_max=...)}: unsigned activations use
 * {@code 0 .. 2^n - 1} of {@code quint8}, signed weights {@code -2^(n-1) .. 2^(n-1) - 1} of {@code qint8}. The
 * observers and {@link Quantizer} then compute exactly what torch's fake-quant gives for that range.
 */
public final class LowBit {
    private LowBit() {}

    /** Smallest integer of an n-bit range of {@code dtype} ({@code 0} unsigned, {@code -2^(n-1)} signed). */
    public static int quantMin(QuantDType dtype, int bits) {
        checkBits(bits);
        return dtype == QuantDType.QUINT8 ? 0 : -(1 << (bits - 1));
    }

    /** Largest integer of an n-bit range of {@code dtype} ({@code 2^n - 1} unsigned, {@code 2^(n-1) - 1} signed). */
    public static int quantMax(QuantDType dtype, int bits) {
        checkBits(bits);
        return dtype == QuantDType.QUINT8 ? (1 << bits) - 1 : (1 << (bits - 1)) - 1;
    }

    /** Bits needed to store the integers {@code quantMin..quantMax} (e.g. 4 for 0..15 or -8..7). */
    public static int bitsOf(int quantMin, int quantMax) {
        long levels = (long) quantMax - quantMin + 1;
        int b = 1;
        while ((1L << b) < levels) {
            b++;
        }
        return b;
    }

    /** Throws unless {@code 2 <= bits <= 8}. */
    public static void checkBits(int bits) {
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("bits must be 2..8 (PyTorch's 8-bit types with a custom "
                    + "quant_min/quant_max), got " + bits);
        }
    }

    /**
     * A min-max QConfig at the given bit widths: activations {@link MinMaxObserver} quint8 affine on
     * {@code 0..2^a-1}, weights {@link PerChannelMinMaxObserver} qint8 per-channel symmetric on
     * {@code -2^(w-1)..2^(w-1)-1}. Named e.g. {@code "minmax w4a8"}. For other calibrations see
     * {@link Calibration#qconfig(int, int)}.
     */
    public static QConfig minMax(int weightBits, int activationBits) {
        return Calibration.minMax().qconfig(weightBits, activationBits);
    }

    /**
     * A QAT QConfig at the given bit widths, torch's {@code FakeQuantize} with moving-average observers (as
     * {@link QConfig#qnnpackQat()} but per-channel symmetric weights) on the n-bit ranges.
     */
    public static QConfig qat(int weightBits, int activationBits) {
        checkBits(weightBits);
        checkBits(activationBits);
        return new QConfig("qat w" + weightBits + "a" + activationBits,
                () -> MovingAverageMinMaxObserver.builder()
                        .quantRange(quantMin(QuantDType.QUINT8, activationBits),
                                quantMax(QuantDType.QUINT8, activationBits)).build(),
                () -> MovingAveragePerChannelMinMaxObserver.builder().dtype(QuantDType.QINT8)
                        .qscheme(QScheme.PER_CHANNEL_SYMMETRIC)
                        .quantRange(quantMin(QuantDType.QINT8, weightBits), quantMax(QuantDType.QINT8, weightBits))
                        .build());
    }
}
