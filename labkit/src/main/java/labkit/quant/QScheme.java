package labkit.quant;

/** How scale and zero point are chosen, named as PyTorch's {@code torch.qscheme} values. */
public enum QScheme {
    PER_TENSOR_AFFINE(false, false),
    PER_TENSOR_SYMMETRIC(false, true),
    PER_CHANNEL_AFFINE(true, false),
    PER_CHANNEL_SYMMETRIC(true, true);

    private final boolean perChannel;
    private final boolean symmetric;

    QScheme(boolean perChannel, boolean symmetric) {
        this.perChannel = perChannel;
        this.symmetric = symmetric;
    }

    /** One scale/zero point per slice along an axis (else one for the whole tensor). */
    public boolean isPerChannel() {
        return perChannel;
    }

    /** Range centred on zero (zero point 0 for qint8, 128 for quint8). */
    public boolean isSymmetric() {
        return symmetric;
    }

    /** PyTorch's spelling, e.g. {@code torch.per_channel_symmetric}. */
    public String torchName() {
        return "torch." + name().toLowerCase(java.util.Locale.ROOT);
    }
}
