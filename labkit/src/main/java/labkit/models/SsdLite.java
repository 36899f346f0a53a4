package labkit.models;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
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
import labkit.boxes.Detection;
import labkit.nn.Act;
import labkit.nn.ConvBnAct;
import labkit.nn.Container;
import labkit.nn.QuantStub;
import labkit.nn.Sequential;

/**
 * A small single-shot detector in the SSDLite style on the quantizable {@link MobileNetV2}'s features: the feature
 * stack up to stride 16 ({@code stage1}) and the rest to stride 32 ({@code stage2}) each feed a class head and a
 * box head (depthwise 3×3 conv+BN+ReLU, then a 1×1 conv), {@link Anchors#perCell()} boxes per cell. Forward
 * returns {@code [classLogits N×A×(C+1), boxOffsets N×A×4]} with class 0 = background, in the anchors' order.
 * A {@link QuantStub} comes first, so {@code labkit.quant.Ptq} quantizes it like the classifier.
 */
public final class SsdLite extends AbstractBlock implements Container {
    private final int numClasses;
    private final int perCell;

    /**
     * @param numClasses object classes (without background)
     * @param widthMult MobileNetV2 width multiplier
     * @param perCell anchors per feature-map cell
     */
    public SsdLite(int numClasses, double widthMult, int perCell) {
        super((byte) 1);
        if (numClasses < 1 || perCell < 1) {
            throw new IllegalArgumentException("numClasses and perCell must be >= 1");
        }
        this.numClasses = numClasses;
        this.perCell = perCell;
        Block mnv2 = MobileNetV2.builder().widthMult(widthMult).quantizable(true).build();
        Block features = labkit.nn.BlockTree.get(mnv2, "features");
        Sequential s1 = new Sequential();
        Sequential s2 = new Sequential();
        int n = features.getChildren().size();
        for (int i = 0; i < n; i++) {
            (i < 14 ? s1 : s2).add(features.getChildren().valueAt(i));
        }
        int c1 = MobileNetV2.makeDivisible(96 * widthMult, 8);
        int c2 = MobileNetV2.makeDivisible(1280 * Math.max(1.0, widthMult), 8);
        addChildBlock("quant", new QuantStub());
        addChildBlock("stage1", s1);
        addChildBlock("stage2", s2);
        addChildBlock("cls0", head(c1, perCell * (numClasses + 1)));
        addChildBlock("box0", head(c1, perCell * 4));
        addChildBlock("cls1", head(c2, perCell * (numClasses + 1)));
        addChildBlock("box1", head(c2, perCell * 4));
    }

    private static Block head(int in, int out) {
        return new Sequential().add(ConvBnAct.builder(in).kernel(3).groups(in).act(Act.Kind.RELU).build())
                .add(Conv2d.builder().setKernelShape(new Shape(1, 1)).setFilters(out).build());
    }

    /** Object classes (without background). */
    public int numClasses() {
        return numClasses;
    }

    /** Feature map sizes for a square input of {@code size} pixels (strides 16 and 32). */
    public static int[] featureSizes(int size) {
        return new int[] {(size + 15) / 16, (size + 31) / 32};
    }

    private Block child(String name) {
        for (Pair<String, Block> p : children) {
            if (labkit.nn.BlockTree.childName(p.getKey()).equals(name)) {
                return p.getValue();
            }
        }
        throw new IllegalStateException("no child " + name);
    }

    @Override
    public void replaceChild(String name, Block block) {
        Container.replaceIn(children, name, block, this);
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                                     PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        if (x.getShape().dimension() != 4) {
            throw new IllegalArgumentException("SsdLite expects an N×3×H×W batch, got shape " + x.getShape());
        }
        x = child("quant").forward(ps, new NDList(x), training, params).singletonOrThrow();
        NDArray f1 = child("stage1").forward(ps, new NDList(x), training, params).singletonOrThrow();
        NDArray f2 = child("stage2").forward(ps, new NDList(f1), training, params).singletonOrThrow();
        NDArray c0 = flat(child("cls0").forward(ps, new NDList(f1), training, params).singletonOrThrow(),
                numClasses + 1);
        NDArray b0 = flat(child("box0").forward(ps, new NDList(f1), training, params).singletonOrThrow(), 4);
        NDArray c1 = flat(child("cls1").forward(ps, new NDList(f2), training, params).singletonOrThrow(),
                numClasses + 1);
        NDArray b1 = flat(child("box1").forward(ps, new NDList(f2), training, params).singletonOrThrow(), 4);
        return new NDList(NDArrays.concat(new NDList(c0, c1), 1), NDArrays.concat(new NDList(b0, b1), 1));
    }

    /** N×(P·k)×H×W → N×(H·W·P)×k, anchors ordered row, column, box. */
    private NDArray flat(NDArray y, int k) {
        long n = y.getShape().get(0);
        return y.transpose(0, 2, 3, 1).reshape(n, -1, k);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape s = inputShapes[0];
        child("quant").initialize(manager, dataType, s);
        child("stage1").initialize(manager, dataType, s);
        Shape f1 = child("stage1").getOutputShapes(new Shape[] {s})[0];
        child("stage2").initialize(manager, dataType, f1);
        Shape f2 = child("stage2").getOutputShapes(new Shape[] {f1})[0];
        child("cls0").initialize(manager, dataType, f1);
        child("box0").initialize(manager, dataType, f1);
        child("cls1").initialize(manager, dataType, f2);
        child("box1").initialize(manager, dataType, f2);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape s = inputShapes[0];
        Shape f1 = child("stage1").getOutputShapes(new Shape[] {s})[0];
        Shape f2 = child("stage2").getOutputShapes(new Shape[] {f1})[0];
        long a = (f1.get(2) * f1.get(3) + f2.get(2) * f2.get(3)) * perCell;
        return new Shape[] {new Shape(s.get(0), a, numClasses + 1), new Shape(s.get(0), a, 4)};
    }

    /**
     * Detections of image {@code imageId} from one image's outputs ({@code A×(C+1)} logits, {@code A×4} offsets):
     * softmax scores, per class the boxes above {@code scoreThreshold}, class-wise {@link Nms}, the best
     * {@code maxDetections} overall; boxes in pixels of a {@code size}×{@code size} image, category ids
     * {@code 1..C} (class index = category id).
     */
    public static List<Detection> detect(long imageId, float[] logits, float[] offsets, Anchors anchors,
                                         int numClasses, int size, double scoreThreshold, double nmsIou,
                                         int maxDetections) {
        int a = anchors.size();
        int k = numClasses + 1;
        if (logits.length != a * k || offsets.length != a * 4) {
            throw new IllegalArgumentException("outputs do not fit " + a + " anchors and " + numClasses
                    + " classes");
        }
        float[][] boxes = new float[a][];
        float[][] probs = new float[a][k];
        for (int i = 0; i < a; i++) {
            boxes[i] = BoxCoder.decode(new float[] {offsets[4 * i], offsets[4 * i + 1], offsets[4 * i + 2],
                offsets[4 * i + 3]}, anchors.boxes()[i]);
            double mx = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                mx = Math.max(mx, logits[i * k + c]);
            }
            double sum = 0;
            for (int c = 0; c < k; c++) {
                sum += Math.exp(logits[i * k + c] - mx);
            }
            for (int c = 0; c < k; c++) {
                probs[i][c] = (float) (Math.exp(logits[i * k + c] - mx) / sum);
            }
        }
        List<Detection> out = new ArrayList<>();
        for (int c = 1; c < k; c++) {
            List<Integer> idx = new ArrayList<>();
            for (int i = 0; i < a; i++) {
                if (probs[i][c] > scoreThreshold) {
                    idx.add(i);
                }
            }
            float[][] b = new float[idx.size()][];
            float[] s = new float[idx.size()];
            for (int j = 0; j < b.length; j++) {
                b[j] = boxes[idx.get(j)];
                s[j] = probs[idx.get(j)][c];
            }
            for (int j : Nms.apply(b, s, nmsIou)) {
                float[] bx = b[j];
                double x1 = Math.max(0, (bx[0] - bx[2] / 2) * size);
                double y1 = Math.max(0, (bx[1] - bx[3] / 2) * size);
                double x2 = Math.min(size, (bx[0] + bx[2] / 2) * size);
                double y2 = Math.min(size, (bx[1] + bx[3] / 2) * size);
                if (x2 > x1 && y2 > y1) {
                    out.add(new Detection(imageId, c, x1, y1, x2 - x1, y2 - y1, s[j]));
                }
            }
        }
        out.sort((p, q) -> Double.compare(q.score(), p.score()));
        return out.size() > maxDetections ? new ArrayList<>(out.subList(0, maxDetections)) : out;
    }
}
