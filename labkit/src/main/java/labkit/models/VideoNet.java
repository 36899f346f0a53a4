package labkit.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.recurrent.LSTM;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.util.PairList;
import java.util.List;
import labkit.nn.ContainerBlock;
import labkit.nn.Flatten;
import labkit.nn.GlobalAvgPool;
import labkit.nn.Sequential;
import labkit.nn.TransformerEncoderLayer;

/**
 * VideoNet for emotion recognition from face-crop sequences: frames B×T×3×H×W → a per-frame CNN (time folded
 * into the batch) → deep features B×T×F → a temporal head → linear → 8 emotion logits. The head is one option:
 * {@link Head#LSTM} (an LSTM, output of the last time step) or {@link Head#ATTENTION} (a learnable CLS token
 * prepended, learned positional embeddings, transformer-encoder layers, the CLS output). Children:
 * {@code frames} (the per-frame CNN, child {@code cnn}), {@code temporal} (the head), {@code fc}. Any T up to
 * {@code maxFrames} works with the same weights.
 */
public final class VideoNet {
    /** RAVDESS emotion classes, in label order. */
    public static final List<String> EMOTIONS =
            List.of("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised");

    /** The temporal head. */
    public enum Head { LSTM, ATTENTION }

    private VideoNet() {}

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The Task 1 CNN's convolutional part (three conv-BN-ReLU + max-pool stages, {@code width}, 2·width,
     * 4·width channels) followed by global average pooling: N×3×H×W → N×(4·width).
     */
    public static Block task1Backbone(int width) {
        Block cnn = Task1Cnn.create(2, 8, width);
        Block features = cnn.getChildren().get(0).getValue();
        return new Sequential().add("features", features).add("pool", new GlobalAvgPool()).add("flatten", new Flatten());
    }

    /** Settings; defaults: Task 1 backbone of width 16 (F = 64), LSTM head with 128 hidden units, 8 classes. */
    public static final class Builder {
        private Block backbone;
        private int featureDim;
        private Head head = Head.LSTM;
        private int hidden = 128;
        private int layers = 1;
        private int attentionHeads = 4;
        private int maxFrames = 64;
        private float dropout = 0.1f;
        private int numClasses = EMOTIONS.size();

        /** A per-frame CNN mapping N×3×H×W to N×{@code featureDim} (e.g. a MobileNetV2 feature extractor + pooling). */
        public Builder backbone(Block backbone, int featureDim) {
            this.backbone = backbone;
            this.featureDim = featureDim;
            return this;
        }

        public Builder head(Head head) {
            this.head = head;
            return this;
        }

        /** LSTM hidden size (LSTM head) or feed-forward width (attention head); default 128. */
        public Builder hidden(int hidden) {
            this.hidden = hidden;
            return this;
        }

        /** LSTM layers or transformer-encoder layers (default 1). */
        public Builder layers(int layers) {
            this.layers = layers;
            return this;
        }

        /** Attention heads (must divide F; default 4). */
        public Builder attentionHeads(int heads) {
            this.attentionHeads = heads;
            return this;
        }

        /** Longest sequence the positional embeddings cover (default 64). */
        public Builder maxFrames(int maxFrames) {
            this.maxFrames = maxFrames;
            return this;
        }

        public Builder dropout(float dropout) {
            this.dropout = dropout;
            return this;
        }

        public Builder numClasses(int numClasses) {
            this.numClasses = numClasses;
            return this;
        }

        public Block build() {
            if (backbone == null) {
                backbone = task1Backbone(16);
                featureDim = 64;
            }
            Block temporal = head == Head.LSTM
                    ? new LastStepLstm(hidden, layers)
                    : new ClsAttention(featureDim, attentionHeads, hidden, layers, maxFrames, dropout);
            return new Sequential()
                    .add("frames", new FrameEncoder(backbone))
                    .add("temporal", temporal)
                    .add("fc", Linear.builder().setUnits(numClasses).build());
        }
    }

    /** Applies a per-frame CNN to B×T×C×H×W by folding time into the batch: → B×T×F. */
    public static final class FrameEncoder extends ContainerBlock {
        private Block cnn;

        public FrameEncoder(Block cnn) {
            super((byte) 1);
            this.cnn = addChildBlock("cnn", cnn);
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            Shape s = x.getShape();
            if (s.dimension() != 5) {
                throw new IllegalArgumentException("VideoNet expects frames B×T×3×H×W, got " + s);
            }
            NDArray folded = x.reshape(s.get(0) * s.get(1), s.get(2), s.get(3), s.get(4));
            NDArray f = cnn.forward(ps, new NDList(folded), training).singletonOrThrow();
            return new NDList(f.reshape(s.get(0), s.get(1), -1));
        }

        @Override
        public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape s = inputShapes[0];
            cnn.initialize(manager, dataType, new Shape(s.get(0) * s.get(1), s.get(2), s.get(3), s.get(4)));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            Shape s = inputShapes[0];
            Shape f = cnn.getOutputShapes(new Shape[] {new Shape(s.get(0) * s.get(1), s.get(2), s.get(3), s.get(4))})[0];
            return new Shape[] {new Shape(s.get(0), s.get(1), f.get(1))};
        }
    }

    /** An LSTM over B×T×F (batch first, zero initial state) returning the last time step's output, B×hidden. */
    public static final class LastStepLstm extends ContainerBlock {
        private Block lstm;
        private final int hidden;

        public LastStepLstm(int hidden, int layers) {
            super((byte) 1);
            this.hidden = hidden;
            this.lstm = addChildBlock("lstm", LSTM.builder().setStateSize(hidden).setNumLayers(layers)
                    .optBatchFirst(true).optReturnState(false).build());
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray out = lstm.forward(ps, inputs, training).head(); // B×T×hidden
            return new NDList(out.get(new NDIndex(":, -1, :")));
        }

        @Override
        public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            lstm.initialize(manager, dataType, inputShapes);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {new Shape(inputShapes[0].get(0), hidden)};
        }
    }

    /**
     * Prepends a learnable CLS token to B×T×F, adds learned positional embeddings, runs transformer-encoder
     * layers (post-norm, PyTorch's default) and returns the CLS position's output, B×F.
     */
    public static final class ClsAttention extends ContainerBlock {
        private final Parameter clsToken;
        private final Parameter posEmbedding;
        private Sequential encoder;
        private final int dim;
        private final int maxFrames;

        public ClsAttention(int dim, int heads, int feedforward, int layers, int maxFrames, float dropout) {
            super((byte) 1);
            this.dim = dim;
            this.maxFrames = maxFrames;
            clsToken = addParameter(Parameter.builder().setName("cls_token").setType(Parameter.Type.WEIGHT)
                    .optInitializer(new NormalInitializer(0.02f)).optShape(new Shape(1, 1, dim)).build());
            posEmbedding = addParameter(Parameter.builder().setName("pos_embedding").setType(Parameter.Type.WEIGHT)
                    .optInitializer(new NormalInitializer(0.02f)).optShape(new Shape(1, maxFrames + 1, dim)).build());
            encoder = new Sequential();
            for (int i = 0; i < layers; i++) {
                encoder.add(new TransformerEncoderLayer(dim, heads, feedforward, dropout, false));
            }
            addChildBlock("encoder", encoder);
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray x = inputs.singletonOrThrow();
            long b = x.getShape().get(0);
            long t = x.getShape().get(1);
            if (t > maxFrames) {
                throw new IllegalArgumentException("sequence of " + t + " frames is longer than maxFrames " + maxFrames
                        + "; build VideoNet with .maxFrames(" + t + ") or use fewer frames");
            }
            NDArray cls = ps.getValue(clsToken, x.getDevice(), training).broadcast(b, 1, dim);
            NDArray pos = ps.getValue(posEmbedding, x.getDevice(), training).get(new NDIndex(":, :{}, :", t + 1));
            // views of the parameters land in the model's manager, and so would the sequence concatenated from them
            // and every encoder activation after it: move them to the batch's
            cls.attach(x.getManager());
            pos.attach(x.getManager());
            NDArray seq = NDArrays.concat(new NDList(cls, x), 1).add(pos);
            NDArray out = encoder.forward(ps, new NDList(seq), training).singletonOrThrow();
            return new NDList(out.get(new NDIndex(":, 0, :")));
        }

        @Override
        public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
            Shape s = inputShapes[0];
            encoder.initialize(manager, dataType, new Shape(s.get(0), s.get(1) + 1, dim));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {new Shape(inputShapes[0].get(0), dim)};
        }
    }
}
