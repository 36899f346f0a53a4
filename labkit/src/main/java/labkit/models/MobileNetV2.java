package labkit.models;

import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import labkit.nn.Act;
import labkit.nn.ConvBnAct;
import labkit.nn.DeQuantStub;
import labkit.nn.Flatten;
import labkit.nn.GlobalAvgPool;
import labkit.nn.InvertedResidual;
import labkit.nn.QuantStub;
import labkit.nn.Sequential;

/**
 * MobileNetV2 (Sandler et al. 2018) laid out like torchvision's quantizable {@code mobilenet_v2}: children
 * {@code features} (0: 3×3 stem ConvBnAct, 1..17: {@link InvertedResidual}s, 18: 1×1 ConvBnAct to 1280) and
 * {@code classifier} (0: Dropout 0.2, 1: Linear), so parameter keys equal torchvision's state-dict keys.
 * {@code MobileNetV2.builder().widthMult(0.35).numClasses(10).quantizable(true).build()}.
 */
public final class MobileNetV2 {
    /** The (t, c, n, s) table: expand ratio, channels, repeats, first stride. */
    static final int[][] SETTINGS = {
        {1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}
    };

    private double widthMult = 1.0;
    private int numClasses = 1000;
    private boolean relu;
    private boolean quantizable;
    private float dropout = 0.2f;

    private MobileNetV2() {}

    /** Width 1.0, 1000 classes, ReLU6, dropout 0.2. */
    public static MobileNetV2 builder() {
        return new MobileNetV2();
    }

    /** Channel multiplier (torchvision's {@code width_mult}), rounded to multiples of 8. */
    public MobileNetV2 widthMult(double w) {
        if (!(w > 0)) {
            throw new IllegalArgumentException("widthMult must be > 0, got " + w);
        }
        this.widthMult = w;
        return this;
    }

    public MobileNetV2 numClasses(int n) {
        if (n < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + n);
        }
        this.numClasses = n;
        return this;
    }

    /** Use ReLU instead of ReLU6 (what torchvision's quantizable model does so that Conv+BN+ReLU fuse). */
    public MobileNetV2 relu(boolean r) {
        this.relu = r;
        return this;
    }

    /**
     * torchvision's {@code QuantizableMobileNetV2}: ReLU activations plus a {@code quant} {@link QuantStub} first
     * and a {@code dequant} {@link DeQuantStub} last (neither has parameters).
     */
    public MobileNetV2 quantizable(boolean q) {
        this.quantizable = q;
        if (q) {
            this.relu = true;
        }
        return this;
    }

    public MobileNetV2 dropout(double p) {
        this.dropout = (float) p;
        return this;
    }

    /** torchvision's {@code _make_divisible(v, 8)}. */
    static int makeDivisible(double v, int divisor) {
        int newV = Math.max(divisor, (int) (v + divisor / 2.0) / divisor * divisor);
        if (newV < 0.9 * v) {
            newV += divisor;
        }
        return newV;
    }

    /** Builds the (uninitialized) model; initialize with an N×3×H×W input shape. */
    public Block build() {
        Act.Kind act = relu ? Act.Kind.RELU : Act.Kind.RELU6;
        int input = makeDivisible(32 * widthMult, 8);
        int last = makeDivisible(1280 * Math.max(1.0, widthMult), 8);
        Sequential features = new Sequential();
        features.add(ConvBnAct.builder(input).kernel(3).stride(2).act(act).build());
        for (int[] s : SETTINGS) {
            int out = makeDivisible(s[1] * widthMult, 8);
            for (int i = 0; i < s[2]; i++) {
                features.add(new InvertedResidual(input, out, i == 0 ? s[3] : 1, s[0], act));
                input = out;
            }
        }
        features.add(ConvBnAct.builder(last).kernel(1).act(act).build());
        Sequential classifier = new Sequential()
                .add(Dropout.builder().optRate(dropout).build())
                .add(Linear.builder().setUnits(numClasses).build());
        Sequential model = new Sequential();
        if (quantizable) {
            model.add("quant", new QuantStub());
        }
        model.add("features", features)
                .add("pool", new GlobalAvgPool())
                .add("flatten", new Flatten())
                .add("classifier", classifier);
        if (quantizable) {
            model.add("dequant", new DeQuantStub());
        }
        return model;
    }
}
