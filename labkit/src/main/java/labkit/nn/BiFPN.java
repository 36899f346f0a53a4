package labkit.nn;

import ai.djl.nn.Block;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Arrays;

/**
 * A bidirectional feature pyramid (BiFPN, EfficientDet, Tan et al. 2020) over any number L ≥ 2 of levels.
 *
 * <p><b>Input</b>: an {@code NDList} of L feature maps, finest first, N×C_i×H_i×W_i with C_i = {@code
 * inChannels[i]} and each level exactly half the previous one ({@code H_i = 2·H_{i+1}}, same for W), e.g.
 * EfficientNet-B0 levels (N,40,28,28), (N,112,14,14), (N,320,7,7). <b>Output</b>: L maps N×W×H_i×W_i of the
 * common width W, finest first.
 *
 * <p>Children: {@code proj} ({@link Branches} of 1×1 conv + BN per level, to width W) and {@code layers}
 * (R repeated {@link Layer}s "0", "1", …; the outputs of one feed the next). Each layer has a top-down path
 * {@code td_i = node(P_i, up(td_{i+1}))} (td_{L-1} = P_{L-1}), then a bottom-up path
 * {@code out_0 = td_0}, {@code out_i = node(P_i, td_i, down(out_{i-1}))}, {@code out_{L-1} = node(P_{L-1},
 * down(out_{L-2}))}; {@code up} is nearest ×2, {@code down} max-pool 3×3 stride 2 padding 1, and every node is a
 * {@link FusionNode} (fast normalised fusion, then depthwise-separable 3×3 conv + BN + SiLU).
 *
 * <pre>{@code
 * Block fpn = BiFPN.builder().inChannels(40, 112, 320).width(64).repeats(3).build();
 * }</pre>
 */
public final class BiFPN extends Sequential {
    private final int[] inChannels;
    private final int width;
    private final int repeats;

    private BiFPN(int[] inChannels, int width, int repeats) {
        this.inChannels = inChannels.clone();
        this.width = width;
        this.repeats = repeats;
        Branches proj = new Branches();
        for (int c : inChannels) {
            proj.add(ConvBnAct.builder(width).kernel(1).act(Act.Kind.IDENTITY).build());
        }
        add("proj", proj);
        Sequential layers = new Sequential();
        for (int r = 0; r < repeats; r++) {
            layers.add(new Layer(inChannels.length, width));
        }
        add("layers", layers);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Channels expected at each input level, finest first. */
    public int[] inChannels() { return inChannels.clone(); }
    /** The common width W of every output. */
    public int width() { return width; }
    /** Number of levels L. */
    public int levels() { return inChannels.length; }
    /** Number of repeated layers R. */
    public int repeats() { return repeats; }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        checkInputs(inputs.getShapes());
        return super.forwardInternal(ps, inputs, training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        checkInputs(in);
        return super.getOutputShapes(in);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... in) {
        checkInputs(in);
        super.initializeChildBlocks(manager, dataType, in);
    }

    private void checkInputs(Shape[] in) {
        if (in.length != inChannels.length) {
            throw new IllegalArgumentException("BiFPN built for " + inChannels.length + " levels got " + in.length
                    + " inputs; pass the feature maps finest first, one per level");
        }
        for (int i = 0; i < in.length; i++) {
            if (in[i].dimension() != 4 || in[i].get(1) != inChannels[i]) {
                throw new IllegalArgumentException("BiFPN level " + i + ": expected N×" + inChannels[i] + "×H×W, got "
                        + in[i] + " (inChannels " + Arrays.toString(inChannels) + ")");
            }
        }
        checkHalving(in, "BiFPN");
    }

    static void checkHalving(Shape[] in, String who) {
        for (int i = 1; i < in.length; i++) {
            if (in[i - 1].get(2) != 2 * in[i].get(2) || in[i - 1].get(3) != 2 * in[i].get(3)) {
                throw new IllegalArgumentException(who + ": level " + i + " is " + in[i].get(2) + "×" + in[i].get(3)
                        + " but level " + (i - 1) + " is " + in[i - 1].get(2) + "×" + in[i - 1].get(3)
                        + "; each level must be exactly half the previous one (e.g. 28/14/7)");
            }
        }
    }

    @Override
    public String toString() {
        return "BiFPN(levels=" + inChannels.length + ", in=" + Arrays.toString(inChannels) + ", width=" + width
                + ", repeats=" + repeats + ")";
    }

    /**
     * One BiFPN layer on L levels of equal width W (top-down then bottom-up path, see {@link BiFPN}). Children:
     * {@code up} ({@link Upsample} nearest ×2), {@code down} ({@link MaxPool2d} 3×3 s2 p1), top-down nodes
     * {@code td0 … td(L-2)} and bottom-up nodes {@code out1 … out(L-1)}.
     */
    public static final class Layer extends ContainerBlock {
        private final int levels;
        private Upsample up = Upsample.nearest(2);
        private MaxPool2d down = new MaxPool2d(3, 2, 1);
        private final FusionNode[] td;
        private final FusionNode[] out;

        /** A layer over {@code levels} maps of {@code width} channels. */
        public Layer(int levels, int width) {
            super((byte) 1);
            if (levels < 2) {
                throw new IllegalArgumentException("a BiFPN layer needs at least 2 levels, got " + levels);
            }
            this.levels = levels;
            addChildBlock("up", up);
            addChildBlock("down", down);
            td = new FusionNode[levels];
            out = new FusionNode[levels];
            for (int i = levels - 2; i >= 0; i--) {
                td[i] = addChildBlock("td" + i, new FusionNode(2, width));
            }
            for (int i = 1; i < levels; i++) {
                out[i] = addChildBlock("out" + i, new FusionNode(i == levels - 1 ? 2 : 3, width));
            }
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList p, boolean training, PairList<String, Object> params) {
            if (p.size() != levels) {
                throw new IllegalArgumentException("BiFPN layer expects " + levels + " levels, got " + p.size());
            }
            NDArray[] t = new NDArray[levels];
            t[levels - 1] = p.get(levels - 1);
            for (int i = levels - 2; i >= 0; i--) {
                t[i] = node(td[i], ps, training, params, p.get(i), up.apply(t[i + 1], training));
            }
            NDArray[] o = new NDArray[levels];
            o[0] = t[0];
            for (int i = 1; i < levels; i++) {
                NDArray d = down.apply(o[i - 1], training);
                o[i] = i == levels - 1
                        ? node(out[i], ps, training, params, p.get(i), d)
                        : node(out[i], ps, training, params, p.get(i), t[i], d);
            }
            return new NDList(o);
        }

        private static NDArray node(FusionNode n, ParameterStore ps, boolean training, PairList<String, Object> params,
                NDArray... xs) {
            return n.forward(ps, new NDList(xs), training, params).singletonOrThrow();
        }

        @Override
        public Shape[] getOutputShapes(Shape[] in) {
            if (in.length != levels) {
                throw new IllegalArgumentException("BiFPN layer expects " + levels + " levels, got " + in.length);
            }
            checkHalving(in, "BiFPN layer");
            return in.clone();
        }

        @Override
        public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... in) {
            for (int i = 0; i < levels; i++) {
                if (td[i] != null) {
                    td[i].initialize(manager, dataType, repeat(in[i], 2));
                }
                if (out[i] != null) {
                    out[i].initialize(manager, dataType, repeat(in[i], out[i].inputs()));
                }
            }
            up.initialize(manager, dataType, in[levels - 1]);
            down.initialize(manager, dataType, in[0]);
        }

        private static Shape[] repeat(Shape s, int n) {
            Shape[] a = new Shape[n];
            Arrays.fill(a, s);
            return a;
        }
    }

    /** Builder: input channels per level (finest first), common width W (default 64), repeats R (default 3). */
    public static final class Builder {
        private int[] inChannels;
        private int width = 64;
        private int repeats = 3;

        public Builder inChannels(int... channels) { this.inChannels = channels.clone(); return this; }
        public Builder width(int w) { this.width = w; return this; }
        public Builder repeats(int r) { this.repeats = r; return this; }

        public BiFPN build() {
            if (inChannels == null || inChannels.length < 2) {
                throw new IllegalArgumentException("BiFPN: give inChannels for at least 2 levels, finest first, e.g."
                        + " inChannels(40, 112, 320)");
            }
            if (width < 1 || repeats < 1) {
                throw new IllegalArgumentException("BiFPN: width and repeats must be >= 1, got " + width + ", " + repeats);
            }
            return new BiFPN(inChannels, width, repeats);
        }
    }
}
