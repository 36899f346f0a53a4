package labkit.models;

import ai.djl.nn.Block;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;
import labkit.image.Bicubic;
import labkit.image.YCbCr;
import labkit.nn.ContainerBlock;
import labkit.nn.Add;
import labkit.nn.BiFPN;
import labkit.nn.Branches;
import labkit.nn.Concat;
import labkit.nn.ConvBnAct;
import labkit.nn.PixelShuffle;
import labkit.nn.Sequential;
import labkit.nn.Upsample;

/**
 * The Task 4 super-resolution net: a ResNet encoder, a BiFPN decoder over all four of its stages, and a
 * pixel-shuffle head. A Y-channel LR batch N×1×H×W (H, W multiples of 8) becomes an N×1×sH×sW Y output.
 *
 * <p>Children: {@code encoder} ({@link ResNet}-18 features with a stride-1 stem and no max-pool, so its stages
 * are at strides 1, 2, 4, 8), {@code bifpn} ({@link BiFPN} on the four stages, width W), {@code up}
 * ({@link Branches}: each BiFPN output brought to H×W, nearest ×1, ×2, ×4, ×8), {@code concat}, {@code head}
 * (conv3×3+BN+ReLU to W, conv3×3 to s² channels, {@link PixelShuffle}(s)), {@code skip} (bicubic ×s of the
 * input) and {@code add}: the net learns the residual over bicubic up-sampling. The head's last conv starts at
 * zero (weights and bias), so an untrained net returns exactly the bicubic up-sampling and training starts from
 * that baseline rather than from a random residual, which starts far from the target.
 */
public final class SuperResolutionNet extends ContainerBlock {
    private final int scale;
    private ResNet encoder;
    private Block bifpn;
    private Block up;
    private Block concat = new Concat();
    private Block head;
    private Block skip;
    private Block add = new Add();

    /** A ×{@code scale} net with BiFPN width {@code width} and {@code repeats} BiFPN layers. */
    public SuperResolutionNet(int scale, int width, int repeats) {
        super((byte) 1);
        if (scale < 1) {
            throw new IllegalArgumentException("scale must be >= 1, got " + scale);
        }
        this.scale = scale;
        this.encoder = addChildBlock("encoder", ResNet.builder().depth(18).featuresOnly().stemStride(1).stemPool(false).build());
        this.bifpn = addChildBlock("bifpn", BiFPN.builder().inChannels(encoder.stageChannels()).width(width).repeats(repeats).build());
        this.up = addChildBlock("up", new Branches().add(Upsample.nearest(1)).add(Upsample.nearest(2))
                .add(Upsample.nearest(4)).add(Upsample.nearest(8)));
        addChildBlock("concat", concat);
        this.head = addChildBlock("head", new Sequential()
                .add(ConvBnAct.builder(width).build())
                .add(zeroInit(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1)).setFilters(scale * scale).build()))
                .add(new PixelShuffle(scale)));
        this.skip = addChildBlock("skip", new Upsample(scale, Upsample.Mode.BICUBIC));
        addChildBlock("add", add);
    }

    /** Starts {@code conv}'s weights and bias at zero (when first initialised; trained weights are never reset). */
    private static Conv2d zeroInit(Conv2d conv) {
        conv.setInitializer(new ConstantInitializer(0f), Parameter.Type.WEIGHT);
        conv.setInitializer(new ConstantInitializer(0f), Parameter.Type.BIAS);
        return conv;
    }

    /** The ×3 net of the course (width 32, 2 BiFPN layers). */
    public static SuperResolutionNet x3() {
        return new SuperResolutionNet(3, 32, 2);
    }

    public int scale() {
        return scale;
    }

    private void check(Shape s) {
        if (s.dimension() != 4 || s.get(1) != 1 || s.get(2) % 8 != 0 || s.get(3) % 8 != 0) {
            throw new IllegalArgumentException("SuperResolutionNet expects a Y batch N×1×H×W with H, W multiples of 8,"
                    + " got " + s + " (crop LR patches to a multiple of 8; use YCbCr.y for RGB)");
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        check(inputs.head().getShape());
        NDList feats = encoder.forward(ps, inputs, training, params);
        NDList fused = bifpn.forward(ps, feats, training, params);
        NDList cat = concat.forward(ps, up.forward(ps, fused, training, params), training, params);
        NDList y = head.forward(ps, cat, training, params);
        NDList s = skip.forward(ps, inputs, training, params);
        return add.forward(ps, new NDList(y.head(), s.head()), training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        check(in[0]);
        return new Shape[] {new Shape(in[0].get(0), 1, in[0].get(2) * scale, in[0].get(3) * scale)};
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dt, Shape... in) {
        check(in[0]);
        encoder.initialize(manager, dt, in);
        Shape[] f = encoder.getOutputShapes(in);
        bifpn.initialize(manager, dt, f);
        Shape[] b = bifpn.getOutputShapes(f);
        up.initialize(manager, dt, b);
        Shape[] u = up.getOutputShapes(b);
        concat.initialize(manager, dt, u);
        Shape[] c = concat.getOutputShapes(u);
        head.initialize(manager, dt, c);
        skip.initialize(manager, dt, in);
        add.initialize(manager, dt, head.getOutputShapes(c)[0], skip.getOutputShapes(in)[0]);
    }

    /**
     * Puts a super-resolved luma back into colour: the LR RGB image (h×w×3 uint8) is up-sampled ×s bicubically
     * (OpenCV), converted to YCbCr, its Y replaced by {@code y} (sH×sW, 1×sH×sW or N=1 batch, values in [0, 1])
     * and converted back; returns an sH×sW×3 uint8 RGB image.
     */
    public static NDArray recombine(NDArray y, NDArray lrRgb, int scale) {
        NDArray up = Bicubic.upsample(lrRgb, scale).toType(DataType.FLOAT32, false);
        NDArray ycc = YCbCr.fromRgb(up, -1, YCbCr.Range.UINT8);
        Shape s = up.getShape();
        NDArray yy = y.reshape(s.get(0), s.get(1), 1).mul(255f);
        NDArray merged = yy.concat(ycc.get(":, :, 1:3"), 2);
        return YCbCr.toRgb(merged, -1, YCbCr.Range.UINT8).clip(0, 255).round().toType(DataType.UINT8, false);
    }

    /** Peak signal-to-noise ratio in dB of {@code a} vs {@code b} for data in [0, {@code max}]. */
    public static double psnr(NDArray a, NDArray b, double max) {
        double mse = a.toType(DataType.FLOAT32, false).sub(b.toType(DataType.FLOAT32, false)).pow(2).mean().getFloat();
        return 10 * Math.log10(max * max / Math.max(mse, 1e-12));
    }

    @Override
    public String toString() {
        return "SuperResolutionNet(x" + scale + ", " + bifpn + ")";
    }

}
