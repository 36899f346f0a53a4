package labkit.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;
import labkit.nn.ContainerBlock;
import labkit.nn.Act;
import labkit.nn.ConvBnAct;
import labkit.nn.Flatten;
import labkit.nn.GlobalAvgPool;
import labkit.nn.MaxPool2d;
import labkit.nn.Sequential;

/**
 * torchvision's ResNet-18/34/50 with its state-dict names ({@code conv1, bn1, layer1..layer4, fc}; blocks
 * {@code layerK.i.conv1/bn1/conv2/bn2[/conv3/bn3]/downsample.0/.1}), so pretrained {@code .pth} weights map onto
 * it one to one. Parameter counts equal torchvision's (ResNet-18 with 1000 classes: 11,689,512).
 *
 * <p>As a classifier it maps N×C×H×W to N×classes. Built with {@link Builder#featuresOnly()} it is an encoder
 * (no avgpool/fc) returning the four stage outputs {@code [layer1, layer2, layer3, layer4]} — strides 4, 8, 16,
 * 32 and widths 64/128/256/512 (×4 for ResNet-50) with the default stem; {@link Builder#stemStride(int)} 1 and
 * {@link Builder#stemPool(boolean)} false keep the input resolution in layer1 (strides 1, 2, 4, 8), as
 * super-resolution encoders do.
 */
public final class ResNet extends ContainerBlock {
    private final int depth;
    private final boolean featuresOnly;
    private final List<Block> stem = new ArrayList<>();
    private final List<Block> layers = new ArrayList<>();
    private final List<Block> head = new ArrayList<>();

    private ResNet(Builder b) {
        super((byte) 1);
        this.depth = b.depth;
        this.featuresOnly = b.featuresOnly;
        boolean bottleneck = depth >= 50;
        int[] blocks = switch (depth) {
            case 18 -> new int[] {2, 2, 2, 2};
            case 34, 50 -> new int[] {3, 4, 6, 3};
            case 101 -> new int[] {3, 4, 23, 3};
            default -> throw new IllegalArgumentException("ResNet depth must be 18, 34, 50 or 101, got " + depth);
        };
        stem.add(addChildBlock("conv1", conv(64, 7, b.stemStride, 3)));
        stem.add(addChildBlock("bn1", ConvBnAct.batchNorm(1e-5f)));
        stem.add(addChildBlock("relu", Act.relu()));
        if (b.stemPool) {
            stem.add(addChildBlock("maxpool", new MaxPool2d(3, 2, 1)));
        }
        int inplanes = 64;
        int expansion = bottleneck ? 4 : 1;
        for (int s = 0; s < 4; s++) {
            int planes = 64 << s;
            Sequential layer = new Sequential();
            for (int i = 0; i < blocks[s]; i++) {
                int stride = i == 0 && s > 0 ? 2 : 1;
                layer.add(bottleneck ? new Bottleneck(inplanes, planes, stride) : new BasicBlock(inplanes, planes, stride));
                inplanes = planes * expansion;
            }
            layers.add(addChildBlock("layer" + (s + 1), layer));
        }
        if (!featuresOnly) {
            head.add(addChildBlock("avgpool", new GlobalAvgPool()));
            head.add(addChildBlock("flatten", new Flatten()));
            head.add(addChildBlock("fc", Linear.builder().setUnits(b.numClasses).build()));
        }
    }

    /** ResNet-18 classifier with {@code numClasses} outputs. */
    public static ResNet resnet18(int numClasses) {
        return builder().depth(18).numClasses(numClasses).build();
    }

    /** ResNet-34 classifier. */
    public static ResNet resnet34(int numClasses) {
        return builder().depth(34).numClasses(numClasses).build();
    }

    /** ResNet-50 classifier. */
    public static ResNet resnet50(int numClasses) {
        return builder().depth(50).numClasses(numClasses).build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** 18, 34, 50 or 101. */
    public int depth() { return depth; }

    /** True for the encoder form (outputs the four stage maps). */
    public boolean featuresOnly() { return featuresOnly; }

    /** Output channels of layer1..layer4: 64,128,256,512 (×4 for Bottleneck nets). */
    public int[] stageChannels() {
        int e = depth >= 50 ? 4 : 1;
        return new int[] {64 * e, 128 * e, 256 * e, 512 * e};
    }

    static Conv2d conv(int out, int k, int stride, int pad) {
        return Conv2d.builder().setKernelShape(new Shape(k, k)).setFilters(out).optStride(new Shape(stride, stride))
                .optPadding(new Shape(pad, pad)).optBias(false).build();
    }

    private static NDArray run(List<Block> blocks, ParameterStore ps, NDArray x, boolean training,
            PairList<String, Object> params) {
        NDList y = new NDList(x);
        for (Block b : blocks) {
            y = b.forward(ps, y, training, params);
        }
        return y.singletonOrThrow();
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (x.getShape().dimension() != 4) {
            throw new IllegalArgumentException("ResNet expects an N×C×H×W batch, got shape " + x.getShape());
        }
        x = run(stem, ps, x, training, params);
        NDList feats = new NDList();
        for (Block layer : layers) {
            x = run(List.of(layer), ps, x, training, params);
            feats.add(x);
        }
        return featuresOnly ? feats : new NDList(run(head, ps, x, training, params));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] in) {
        Shape s = chain(stem, in[0]);
        List<Shape> feats = new ArrayList<>();
        for (Block layer : layers) {
            s = chain(List.of(layer), s);
            feats.add(s);
        }
        return featuresOnly ? feats.toArray(new Shape[0]) : new Shape[] {chain(head, s)};
    }

    private static Shape chain(List<Block> blocks, Shape s) {
        for (Block b : blocks) {
            s = b.getOutputShapes(new Shape[] {s})[0];
        }
        return s;
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... in) {
        Shape s = in[0];
        for (Pair<String, Block> c : getChildren()) {
            c.getValue().initialize(manager, dataType, s);
            s = c.getValue().getOutputShapes(new Shape[] {s})[0];
        }
    }

    @Override
    public String toString() {
        return "ResNet-" + depth + (featuresOnly ? " (features)" : "");
    }

    /** torchvision's {@code BasicBlock}: two 3×3 conv+BN, identity or 1×1-conv {@code downsample}, add, ReLU. */
    public static final class BasicBlock extends ResidualUnit {
        public BasicBlock(int inplanes, int planes, int stride) {
            super(inplanes, planes, stride, 1);
            body("conv1", conv(planes, 3, stride, 1));
            body("bn1", ConvBnAct.batchNorm(1e-5f));
            body("relu", Act.relu());
            body("conv2", conv(planes, 3, 1, 1));
            body("bn2", ConvBnAct.batchNorm(1e-5f));
            finish();
        }
    }

    /** torchvision's {@code Bottleneck} (v1.5: stride on the 3×3): 1×1, 3×3, 1×1 (×4) conv+BN, add, ReLU. */
    public static final class Bottleneck extends ResidualUnit {
        public Bottleneck(int inplanes, int planes, int stride) {
            super(inplanes, planes, stride, 4);
            body("conv1", conv(planes, 1, 1, 0));
            body("bn1", ConvBnAct.batchNorm(1e-5f));
            body("relu", Act.relu());
            body("conv2", conv(planes, 3, stride, 1));
            body("bn2", ConvBnAct.batchNorm(1e-5f));
            body("relu2", Act.relu());
            body("conv3", conv(planes * 4, 1, 1, 0));
            body("bn3", ConvBnAct.batchNorm(1e-5f));
            finish();
        }
    }

    /** Shared wiring of the two residual blocks: {@code relu(body(x) + downsample(x))}. */
    public abstract static class ResidualUnit extends ContainerBlock {
        private final List<Block> body = new ArrayList<>();
        private final int inplanes;
        private final int outplanes;
        private final int stride;
        private Block downsample;
        private Block outRelu;

        ResidualUnit(int inplanes, int planes, int stride, int expansion) {
            super((byte) 1);
            this.inplanes = inplanes;
            this.outplanes = planes * expansion;
            this.stride = stride;
        }

        void body(String name, Block b) {
            body.add(addChildBlock(name, b));
        }

        void finish() {
            if (stride != 1 || inplanes != outplanes) {
                downsample = addChildBlock("downsample", new Sequential().add(conv(outplanes, 1, stride, 0))
                        .add(ConvBnAct.batchNorm(1e-5f)));
            }
            outRelu = addChildBlock("relu_out", Act.relu());
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
            NDArray x = in.singletonOrThrow();
            NDArray y = run(body, ps, x, training, params);
            NDArray id = downsample == null ? x : downsample.forward(ps, in, training, params).singletonOrThrow();
            return outRelu.forward(ps, new NDList(y.add(id)), training, params);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] in) {
            return new Shape[] {chain(body, in[0])};
        }

        @Override
        public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... in) {
            Shape s = in[0];
            for (Block b : body) {
                b.initialize(manager, dataType, s);
                s = b.getOutputShapes(new Shape[] {s})[0];
            }
            if (downsample != null) {
                downsample.initialize(manager, dataType, in[0]);
            }
            outRelu.initialize(manager, dataType, s);
        }
    }

    /** Builder: depth (18/34/50/101), classes or {@link #featuresOnly()}, input channels, stem stride/pool. */
    public static final class Builder {
        private int depth = 18;
        private int numClasses = 1000;
        private boolean featuresOnly;
        private int stemStride = 2;
        private boolean stemPool = true;

        public Builder depth(int d) { this.depth = d; return this; }
        public Builder numClasses(int n) { this.numClasses = n; return this; }
        /** Encoder form: no avgpool/fc, outputs {@code [layer1, layer2, layer3, layer4]}. */
        public Builder featuresOnly() { this.featuresOnly = true; return this; }
        /** Stride of conv1 (torchvision: 2). */
        public Builder stemStride(int s) { this.stemStride = s; return this; }
        /** Whether the 3×3 stride-2 max-pool follows the stem (torchvision: true). */
        public Builder stemPool(boolean p) { this.stemPool = p; return this; }

        public ResNet build() {
            if (numClasses < 1) {
                throw new IllegalArgumentException("numClasses must be >= 1, got " + numClasses);
            }
            if (stemStride < 1) {
                throw new IllegalArgumentException("stemStride must be >= 1, got " + stemStride);
            }
            return new ResNet(this);
        }
    }
}
