package labkit.models;

import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.nn.Parameter;
import labkit.nn.Act;
import labkit.nn.ConvBnAct;
import labkit.nn.Flatten;
import labkit.nn.GlobalAvgPool;
import labkit.nn.MBConv;
import labkit.nn.Sequential;

/**
 * EfficientNet-B0 laid out like torchvision's {@code efficientnet_b0}: children "features" ("0" stem, "1".."7"
 * MBConv stages, "8" 1×1 conv to 1280), "avgpool", "flatten" and "classifier" ("0" dropout, "1" linear), so its
 * parameter names are torchvision's state-dict keys. 5,288,548 parameters with the 1000-class head; the features
 * alone 4,007,548. {@link #features()} gives the backbone for feature extraction; {@link #LEVEL_STAGES} names the
 * stages whose outputs are the 1/8, 1/16 and 1/32 levels (28, 14, 7 at 224²).
 */
public final class EfficientNetB0 {
    private EfficientNetB0() {}

    /** torchvision's stage table: expand ratio, kernel, stride, input channels, output channels, repeats. */
    static final int[][] STAGES = {
        {1, 3, 1, 32, 16, 1},
        {6, 3, 2, 16, 24, 2},
        {6, 5, 2, 24, 40, 2},
        {6, 3, 2, 40, 80, 3},
        {6, 5, 1, 80, 112, 3},
        {6, 5, 2, 112, 192, 4},
        {6, 3, 1, 192, 320, 1},
    };

    /** Indices in {@code features} of the stages giving the 28×28 (40 ch), 14×14 (112 ch) and 7×7 (320 ch) levels. */
    public static final int[] LEVEL_STAGES = {3, 5, 7};

    /** Channels of the three levels in {@link #LEVEL_STAGES}. */
    public static final int[] LEVEL_CHANNELS = {40, 112, 320};

    /** torchvision's default stochastic-depth probability (scaled linearly over the 16 blocks). */
    public static final float STOCHASTIC_DEPTH = 0.2f;

    /** The whole classifier with torchvision's defaults (dropout 0.2, stochastic depth 0.2). */
    public static Sequential create(int numClasses) {
        return create(numClasses, 0.2f, STOCHASTIC_DEPTH);
    }

    /** The whole classifier: features → avgpool → flatten → dropout → linear(1280, numClasses). */
    public static Sequential create(int numClasses, float dropout, float stochasticDepth) {
        if (numClasses < 1) {
            throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
        }
        Sequential net = new Sequential();
        net.add("features", features(9, stochasticDepth));
        net.add("avgpool", new GlobalAvgPool());
        net.add("flatten", new Flatten());
        Sequential classifier = new Sequential();
        classifier.add(Dropout.builder().optRate(dropout).build());
        classifier.add(Linear.builder().setUnits(numClasses).build());
        net.add("classifier", classifier);
        torchvisionInit(net);
        return net;
    }

    /** The feature extractor (torchvision's {@code model.features}, children "0".."8"). */
    public static Sequential features() {
        return features(9, STOCHASTIC_DEPTH);
    }

    /**
     * The first {@code stages} children of {@code features} (9 = all; 8 stops after the 320-channel stage, which
     * is all a dense-prediction head on the 28/14/7 levels needs). Stochastic-depth probabilities are those of
     * the full network, so a truncated backbone matches the same stages of a full one.
     */
    public static Sequential features(int stages, float stochasticDepth) {
        if (stages < 1 || stages > 9) {
            throw new IllegalArgumentException("stages must be in 1..9 (children of features), got " + stages);
        }
        Sequential f = new Sequential();
        f.add(ConvBnAct.builder(32).kernel(3).stride(2).act(Act.Kind.SILU).build());
        int total = 0;
        for (int[] s : STAGES) {
            total += s[5];
        }
        int id = 0;
        for (int i = 0; i < STAGES.length && f.getChildren().size() < stages; i++) {
            int[] s = STAGES[i];
            Sequential stage = new Sequential();
            for (int r = 0; r < s[5]; r++) {
                float sd = stochasticDepth * id / total;
                stage.add(new MBConv(r == 0 ? s[3] : s[4], s[4], s[0], s[1], r == 0 ? s[2] : 1, sd));
                id++;
            }
            f.add(stage);
        }
        if (stages == 9) {
            f.add(ConvBnAct.builder(1280).kernel(1).act(Act.Kind.SILU).build());
        }
        torchvisionInit(f);
        return f;
    }

    /** Kaiming-normal (fan-out) conv and linear weights as torchvision initialises them; BN starts at 1/0. */
    static void torchvisionInit(Block block) {
        block.setInitializer(new XavierInitializer(XavierInitializer.RandomType.GAUSSIAN,
                XavierInitializer.FactorType.OUT, 2f), Parameter.Type.WEIGHT);
    }
}
