package labkit.nn;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.norm.BatchNorm;

/**
 * Conv2d → BatchNorm → activation, laid out like torchvision's {@code Conv2dNormActivation}: children "0"
 * (conv, no bias), "1" (BN, eps 1e-5, PyTorch momentum 0.1) and "2" (activation, omitted when none).
 */
public final class ConvBnAct {
    private int in = -1;
    private int out;
    private int kernel = 3;
    private int stride = 1;
    private int groups = 1;
    private Integer padding;
    private Act.Kind act = Act.Kind.RELU;
    private boolean batchNorm = true;
    private float bnEps = 1e-5f;

    private ConvBnAct(int out) {
        this.out = out;
    }

    /** Starts a block with {@code out} output channels (3×3, stride 1, "same" padding, BN, ReLU). */
    public static ConvBnAct builder(int out) {
        if (out < 1) {
            throw new IllegalArgumentException("output channels must be >= 1, got " + out);
        }
        return new ConvBnAct(out);
    }

    public ConvBnAct kernel(int k) { this.kernel = k; return this; }
    public ConvBnAct stride(int s) { this.stride = s; return this; }
    /** Grouped convolution; {@code groups == out} with the same input width is depthwise. */
    public ConvBnAct groups(int g) { this.groups = g; return this; }
    /** Explicit padding; default {@code (kernel - 1) / 2}. */
    public ConvBnAct padding(int p) { this.padding = p; return this; }
    /** The activation after BN; {@code null} or IDENTITY for none. */
    public ConvBnAct act(Act.Kind a) { this.act = a; return this; }
    public ConvBnAct noBatchNorm() { this.batchNorm = false; return this; }
    public ConvBnAct bnEps(float eps) { this.bnEps = eps; return this; }

    public Sequential build() {
        int pad = padding != null ? padding : (kernel - 1) / 2;
        Sequential s = new Sequential();
        s.add(Conv2d.builder()
                .setKernelShape(new Shape(kernel, kernel))
                .setFilters(out)
                .optStride(new Shape(stride, stride))
                .optPadding(new Shape(pad, pad))
                .optGroups(groups)
                .optBias(!batchNorm)
                .build());
        if (batchNorm) {
            s.add(batchNorm(bnEps));
        }
        if (act != null && act != Act.Kind.IDENTITY) {
            s.add(new Act(act));
        }
        return s;
    }

    /** A BatchNorm with PyTorch's defaults (eps, momentum 0.1 — DJL's 0.9 is the complement). */
    public static BatchNorm batchNorm(float eps) {
        return BatchNorm.builder().optEpsilon(eps).optMomentum(0.9f).build();
    }
}
