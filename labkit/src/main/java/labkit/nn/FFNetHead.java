package labkit.nn;

import ai.djl.ndarray.NDArray;
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
import java.util.Arrays;

/**
 * FFNet's up-sampling segmentation heads A, B and C (Mehta et al. 2022, "Simple and Efficient Architectures for
 * Semantic Segmentation"; widths as in the reference {@code ffnet_blocks.py}: {@code FFNetUpHead} +
 * {@code segmentation_A/B/C}). Input: the four backbone maps at strides 4, 8, 16, 32, finest first, each exactly
 * half the previous ({@code [N×C0×H×W, N×C1×H/2×W/2, N×C2×H/4×W/4, N×C3×H/8×W/8]}); output N×classes×H×W logits
 * at the stride-4 resolution.
 *
 * <p>Children: {@code adapter} (1×1 conv+BN+ReLU per branch to the base widths), an FPN-like top-down path
 * ({@code fam_32_up}/{@code fam_16_up}/{@code fam_8_up}: 1×1 conv+BN+ReLU to the next finer width, {@code up} ×2,
 * {@code add} to the finer branch) with a 3×3 conv+BN+ReLU per branch to the head widths ({@code fam_32_sm},
 * {@code fam_16_sm}, {@code fam_8_sm}, {@code fam_4}), then {@code cat_up} (every branch to the stride-4 size)
 * + {@code concat}, and {@code last}: 3×3 conv (bias) to the mid width + BN + ReLU + classifier conv.
 *
 * <table><caption>Head widths</caption>
 * <tr><th>head</th><th>base (adapter)</th><th>branch outputs</th><th>mid</th><th>classifier</th></tr>
 * <tr><td>A</td><td>64,128,256,512</td><td>128,128,128,128</td><td>512</td><td>1×1</td></tr>
 * <tr><td>B</td><td>64,128,128,256</td><td>96,96,64,32</td><td>256</td><td>3×3</td></tr>
 * <tr><td>C</td><td>128,128,128,128</td><td>128,16,16,16</td><td>128</td><td>1×1</td></tr></table>
 * Up-sampling is bilinear with align_corners=True (the reference's GPU heads) or nearest ({@code mobile}).
 */
public final class FFNetHead extends AbstractBlock implements Container {

    /** The three head sizes; C is the lightest. */
    public enum Kind {
        A(new int[] {64, 128, 256, 512}, new int[] {128, 128, 128, 128}, 512, 1),
        B(new int[] {64, 128, 128, 256}, new int[] {96, 96, 64, 32}, 256, 3),
        C(new int[] {128, 128, 128, 128}, new int[] {128, 16, 16, 16}, 128, 1);

        final int[] base;
        final int[] outs;
        final int mid;
        final int classifierKernel;

        Kind(int[] base, int[] outs, int mid, int classifierKernel) {
            this.base = base;
            this.outs = outs;
            this.mid = mid;
            this.classifierKernel = classifierKernel;
        }
    }

    private static final String[] SM = {"fam_4", "fam_8_sm", "fam_16_sm", "fam_32_sm"};
    private static final String[] UP = {null, "fam_8_up", "fam_16_up", "fam_32_up"};

    private final Kind kind;
    private final int[] inChannels;
    private final int numClasses;

    /** A head of {@code kind} for backbone widths {@code inChannels} (4, finest first) and {@code numClasses}. */
    public FFNetHead(Kind kind, int[] inChannels, int numClasses, boolean mobile) {
        super((byte) 1);
        if (inChannels.length != 4 || numClasses < 1) {
            throw new IllegalArgumentException("FFNetHead needs 4 input widths (strides 4, 8, 16, 32) and >= 1 class, got "
                    + Arrays.toString(inChannels) + ", " + numClasses);
        }
        this.kind = kind;
        this.inChannels = inChannels.clone();
        this.numClasses = numClasses;
        Branches adapter = new Branches();
        for (int b : kind.base) {
            adapter.add(ConvBnAct.builder(b).kernel(1).build());
        }
        addChildBlock("adapter", adapter);
        for (int i = 3; i >= 0; i--) {
            addChildBlock(SM[i], ConvBnAct.builder(kind.outs[i]).kernel(3).build());
            if (i > 0) {
                addChildBlock(UP[i], ConvBnAct.builder(kind.base[i - 1]).kernel(1).build());
            }
        }
        Upsample.Mode mode = mobile ? Upsample.Mode.NEAREST : Upsample.Mode.BILINEAR_ALIGN_CORNERS;
        addChildBlock("up", new Upsample(2, mode));
        addChildBlock("add", new Add());
        addChildBlock("cat_up", new Branches().add(new Upsample(1, mode)).add(new Upsample(2, mode))
                .add(new Upsample(4, mode)).add(new Upsample(8, mode)));
        addChildBlock("concat", new Concat());
        int k = kind.classifierKernel;
        addChildBlock("last", new Sequential()
                .add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(kind.mid).build())
                .add(ConvBnAct.batchNorm(1e-5f))
                .add(Act.relu())
                .add(Conv2d.builder().setKernelShape(new Shape(k, k)).optPadding(new Shape(k / 2, k / 2))
                        .setFilters(numClasses).build()));
    }

    /** A GPU-style (bilinear) head. */
    public static FFNetHead of(Kind kind, int[] inChannels, int numClasses) {
        return new FFNetHead(kind, inChannels, numClasses, false);
    }

    public Kind kind() { return kind; }
    public int numClasses() { return numClasses; }

    @Override
    public void replaceChild(String name, Block block) {
        Container.replaceIn(children, name, block, this);
    }

    /** Looks children up by name at every call, so {@link InvertedResidualRewrite} may replace them. */
    private Block child(String name) {
        for (Pair<String, Block> c : children) {
            if (BlockTree.childName(c.getKey()).equals(name)) {
                return c.getValue();
            }
        }
        throw new IllegalStateException("FFNetHead has no child " + name);
    }

    private NDArray run(String name, ParameterStore ps, boolean training, PairList<String, Object> p, NDArray... xs) {
        return child(name).forward(ps, new NDList(xs), training, p).singletonOrThrow();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> p) {
        check(inputs.getShapes());
        NDList a = child("adapter").forward(ps, inputs, training, p);
        NDArray[] sm = new NDArray[4];
        NDArray x = a.get(3);
        for (int i = 3; i > 0; i--) {
            sm[i] = run(SM[i], ps, training, p, x);
            NDArray up = run("up", ps, training, p, run(UP[i], ps, training, p, x));
            x = run("add", ps, training, p, up, a.get(i - 1));
        }
        sm[0] = run(SM[0], ps, training, p, x);
        NDList cat = child("concat").forward(ps, child("cat_up").forward(ps, new NDList(sm), training, p), training, p);
        return child("last").forward(ps, cat, training, p);
    }

    private void check(Shape[] in) {
        if (in.length != 4) {
            throw new IllegalArgumentException("FFNetHead expects 4 feature maps (strides 4, 8, 16, 32), got " + in.length);
        }
        for (int i = 0; i < 4; i++) {
            if (in[i].dimension() != 4 || in[i].get(1) != inChannels[i]) {
                throw new IllegalArgumentException("FFNetHead branch " + i + ": expected N×" + inChannels[i] + "×H×W, got "
                        + in[i] + " (inChannels " + Arrays.toString(inChannels) + ")");
            }
        }
        BiFPN.checkHalving(in, "FFNetHead");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        check(in);
        return new Shape[] {new Shape(in[0].get(0), numClasses, in[0].get(2), in[0].get(3))};
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dt, Shape... in) {
        check(in);
        child("adapter").initialize(manager, dt, in);
        Shape[] a = child("adapter").getOutputShapes(in);
        Shape[] sm = new Shape[4];
        for (int i = 3; i >= 0; i--) {
            child(SM[i]).initialize(manager, dt, a[i]);
            sm[i] = child(SM[i]).getOutputShapes(new Shape[] {a[i]})[0];
            if (i > 0) {
                child(UP[i]).initialize(manager, dt, a[i]);
            }
        }
        child("up").initialize(manager, dt, a[3]);
        child("add").initialize(manager, dt, a[0], a[0]);
        child("cat_up").initialize(manager, dt, sm);
        Shape[] up = child("cat_up").getOutputShapes(sm);
        child("concat").initialize(manager, dt, up);
        child("last").initialize(manager, dt, child("concat").getOutputShapes(up));
    }

    @Override
    public String toString() {
        return "FFNetHead(" + kind + ", in=" + Arrays.toString(inChannels) + ", classes=" + numClasses + ")";
    }
}
