package labkit.models;

import ai.djl.nn.Block;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import labkit.nn.ContainerBlock;
import labkit.nn.FFNetHead;
import labkit.nn.Upsample;

/**
 * An FFNet-style segmentation network: a {@link ResNet} encoder (child {@code backbone}, torchvision names) whose
 * four stage maps (strides 4, 8, 16, 32) feed an {@link FFNetHead} A, B or C (child {@code head}), whose
 * stride-4 logits are up-sampled ×4 bilinearly (child {@code upsample}) to the input size. Input N×3×H×W with H
 * and W multiples of 32; output N×classes×H×W logits, so the loss and the pictures use full-resolution masks.
 *
 * <pre>{@code
 * FFNet net = FFNet.builder().head(FFNetHead.Kind.C).numClasses(4).build();
 * }</pre>
 */
public final class FFNet extends ContainerBlock {
    private ResNet backbone;
    private FFNetHead head;
    private Block upsample;

    private FFNet(Builder b) {
        super((byte) 1);
        this.backbone = addChildBlock("backbone", ResNet.builder().depth(b.depth).featuresOnly().build());
        this.head = addChildBlock("head", new FFNetHead(b.kind, backbone.stageChannels(), b.numClasses, b.mobile));
        this.upsample = addChildBlock("upsample", new Upsample(4, Upsample.Mode.BILINEAR));
    }

    public static Builder builder() {
        return new Builder();
    }

    public ResNet backbone() { return backbone; }
    public FFNetHead head() { return head; }
    public int numClasses() { return head.numClasses(); }

    private static void check(Shape s) {
        if (s.dimension() != 4 || s.get(1) != 3 || s.get(2) % 32 != 0 || s.get(3) % 32 != 0) {
            throw new IllegalArgumentException("FFNet expects an RGB batch N×3×H×W with H and W multiples of 32 (the"
                    + " backbone's coarsest stride), got " + s + "; resize or crop the images");
        }
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        check(inputs.head().getShape());
        NDList feats = backbone.forward(ps, inputs, training, params);
        return upsample.forward(ps, head.forward(ps, feats, training, params), training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        check(in[0]);
        return new Shape[] {new Shape(in[0].get(0), head.numClasses(), in[0].get(2), in[0].get(3))};
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dt, Shape... in) {
        check(in[0]);
        backbone.initialize(manager, dt, in);
        Shape[] f = backbone.getOutputShapes(in);
        head.initialize(manager, dt, f);
        upsample.initialize(manager, dt, head.getOutputShapes(f));
    }

    @Override
    public String toString() {
        return "FFNet(" + backbone + ", head " + head.kind() + ", " + head.numClasses() + " classes)";
    }

    /** Builder; defaults: ResNet-18, head C, 4 classes, bilinear (GPU-style) head. */
    public static final class Builder {
        private int depth = 18;
        private FFNetHead.Kind kind = FFNetHead.Kind.C;
        private int numClasses = 4;
        private boolean mobile;

        /** ResNet depth of the backbone: 18, 34, 50 or 101. */
        public Builder backboneDepth(int d) { this.depth = d; return this; }
        /** Head A, B or C. */
        public Builder head(FFNetHead.Kind k) { this.kind = k; return this; }
        public Builder numClasses(int n) { this.numClasses = n; return this; }
        /** Nearest (mobile) instead of bilinear up-sampling inside the head. */
        public Builder mobile(boolean m) { this.mobile = m; return this; }

        public FFNet build() {
            if (kind == null) {
                throw new IllegalArgumentException("FFNet: head kind is null; use FFNetHead.Kind.A, B or C");
            }
            return new FFNet(this);
        }
    }
}
