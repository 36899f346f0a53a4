package labkit.models;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import labkit.nn.Act;
import labkit.nn.BiFPN;
import labkit.nn.Branches;
import labkit.nn.Concat;
import labkit.nn.ConvBnAct;
import labkit.nn.Sequential;
import labkit.nn.Upsample;

/**
 * The course project's monocular depth network: EfficientNet-B0 features (torchvision names {@code features.0}
 * … {@code features.7}; the 1280-channel {@code features.8} is not needed) → the 28×28, 14×14 and 7×7 levels
 * (outputs of features 3, 5, 7 at a 224² input) → {@link BiFPN} ({@code bifpn}, width 64, 3 repeats) →
 * {@link Head} ({@code head}): the 28×28 and 14×14 outputs bilinearly up-sampled to 56×56, concatenated,
 * conv3×3+BN+SiLU, conv1×1 to one channel. Input N×3×H×W (H, W multiples of 32), output N×1×H/4×W/4, the
 * depth divided by the maximum depth (no output activation: trained with MSE against targets in [0, 1]).
 */
public final class DepthNet extends AbstractBlock {
    private final Sequential features;
    private final BiFPN bifpn;
    private final Head head;
    private final int width;
    private final int repeats;

    private DepthNet(Builder b) {
        super((byte) 1);
        this.width = b.width;
        this.repeats = b.repeats;
        features = addChildBlock("features", EfficientNetB0.features(8, b.stochasticDepth));
        bifpn = addChildBlock("bifpn", BiFPN.builder().inChannels(EfficientNetB0.LEVEL_CHANNELS).width(b.width)
                .repeats(b.repeats).build());
        head = addChildBlock("head", new Head(b.width, b.headWidth));
    }

    /** A depth net with the course's defaults: BiFPN width 64, 3 repeats, head width 64, stochastic depth 0.2. */
    public static DepthNet create() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The EfficientNet-B0 backbone (children "0".."7", torchvision's {@code features} names). */
    public Sequential features() { return features; }
    /** The feature pyramid. */
    public BiFPN bifpn() { return bifpn; }
    /** The prediction head. */
    public Head head() { return head; }
    public int width() { return width; }
    public int repeats() { return repeats; }

    /** Runs the backbone, returning the outputs of {@link EfficientNetB0#LEVEL_STAGES} (finest first). */
    public NDList levels(ParameterStore ps, NDList x, boolean training, PairList<String, Object> params) {
        NDList levels = new NDList(3);
        NDList h = x;
        int i = 0;
        for (Pair<String, Block> child : features.getChildren()) {
            h = child.getValue().forward(ps, h, training, params);
            if (isLevel(i++)) {
                levels.add(h.singletonOrThrow());
            }
        }
        return levels;
    }

    private static boolean isLevel(int stage) {
        for (int s : EfficientNetB0.LEVEL_STAGES) {
            if (s == stage) {
                return true;
            }
        }
        return false;
    }

    private Shape[] levelShapes(Shape input) {
        List<Shape> out = new ArrayList<>();
        Shape[] h = {input};
        int i = 0;
        for (Pair<String, Block> child : features.getChildren()) {
            h = child.getValue().getOutputShapes(h);
            if (isLevel(i++)) {
                out.add(h[0]);
            }
        }
        return out.toArray(new Shape[0]);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        checkInput(inputs.singletonOrThrow().getShape());
        NDList p = bifpn.forward(ps, levels(ps, inputs, training, params), training, params);
        return head.forward(ps, p, training, params);
    }

    private static void checkInput(Shape s) {
        if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) % 32 != 0 || s.get(3) % 32 != 0 || s.get(2) < 64
                || s.get(3) < 64) {
            throw new IllegalArgumentException("DepthNet expects N×3×H×W images with H and W multiples of 32 (>= 64),"
                    + " e.g. N×3×224×224; got " + s + ". Resize the input (NyuDepthV2 gives 224×224).");
        }
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        checkInput(inputShapes[0]);
        features.initialize(manager, dataType, inputShapes);
        Shape[] levels = levelShapes(inputShapes[0]);
        bifpn.initialize(manager, dataType, levels);
        head.initialize(manager, dataType, bifpn.getOutputShapes(levels));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        checkInput(inputShapes[0]);
        return head.getOutputShapes(bifpn.getOutputShapes(levelShapes(inputShapes[0])));
    }

    @Override
    public String toString() {
        return "DepthNet(EfficientNet-B0 features 0..7 → BiFPN(width=" + width + ", repeats=" + repeats
                + ") → head → 1×H/4×W/4)";
    }

    /**
     * The depth head on the BiFPN outputs (finest first; only the first two are used): children "up"
     * ({@link Branches} "0" bilinear ×2, "1" bilinear ×4, align_corners=False), "concat", "conv"
     * (conv3×3+BN+SiLU) and "out" (conv1×1 with bias to one channel).
     */
    public static final class Head extends AbstractBlock {
        private final Branches up;
        private final Concat concat;
        private final Sequential conv;
        private final Conv2d out;

        public Head(int inWidth, int width) {
            super((byte) 1);
            up = addChildBlock("up", new Branches()
                    .add(new Upsample(2, Upsample.Mode.BILINEAR))
                    .add(new Upsample(4, Upsample.Mode.BILINEAR)));
            concat = addChildBlock("concat", new Concat());
            conv = addChildBlock("conv", ConvBnAct.builder(width).kernel(3).act(Act.Kind.SILU).build());
            out = addChildBlock("out", Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(1).optBias(true)
                    .build());
        }

        private static NDList firstTwo(NDList in) {
            if (in.size() < 2) {
                throw new IllegalArgumentException("DepthNet head needs the 1/8 and 1/16 maps, got " + in.size());
            }
            return new NDList(in.get(0), in.get(1));
        }

        private static Shape[] firstTwo(Shape[] in) {
            return new Shape[] {in[0], in[1]};
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            NDList h = up.forward(ps, firstTwo(inputs), training, params);
            h = concat.forward(ps, h, training, params);
            h = conv.forward(ps, h, training, params);
            return out.forward(ps, h, training, params);
        }

        @Override
        public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape[] h = up.getOutputShapes(firstTwo(inputShapes));
            h = concat.getOutputShapes(h);
            conv.initialize(manager, dataType, h);
            out.initialize(manager, dataType, conv.getOutputShapes(h));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape[] h = concat.getOutputShapes(up.getOutputShapes(firstTwo(inputShapes)));
            return out.getOutputShapes(conv.getOutputShapes(h));
        }
    }

    /** Options: BiFPN width and repeats, head width, stochastic depth of the backbone. */
    public static final class Builder {
        private int width = 64;
        private int repeats = 3;
        private int headWidth = 64;
        private float stochasticDepth = EfficientNetB0.STOCHASTIC_DEPTH;

        public Builder width(int w) { this.width = positive("width", w); return this; }
        public Builder repeats(int r) { this.repeats = positive("repeats", r); return this; }
        public Builder headWidth(int w) { this.headWidth = positive("headWidth", w); return this; }
        public Builder stochasticDepth(float p) { this.stochasticDepth = p; return this; }

        private static int positive(String name, int v) {
            if (v < 1) {
                throw new IllegalArgumentException("DepthNet." + name + " must be >= 1, got " + v);
            }
            return v;
        }

        public DepthNet build() {
            return new DepthNet(this);
        }
    }
}
