package labkit.tasks;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;
import ai.djl.util.Pair;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import labkit.Labkit;
import labkit.data.PairedAugment;
import labkit.data.Palette;
import labkit.data.SegmentationDataset;
import labkit.data.synthetic.SegmentationShapes;
import labkit.models.FFNet;
import labkit.nn.BlockTree;
import labkit.nn.Complexity;
import labkit.nn.FFNetHead;
import labkit.nn.InvertedResidualRewrite;
import labkit.plot.ImageGrid;
import labkit.train.Adam;
import labkit.train.Fit;
import labkit.train.History;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Course Task 3 in its own words: a segmentation dataset of images and colour masks (class-index and one-hot
 * views, paired augmentation), FFNet's up-sampling heads A, B and C on a ResNet-18 backbone (parameter counts,
 * output shapes), the swap of the head's 3×3 conv blocks for MobileNetV2 inverted residuals (parameters and MACs
 * before/after), and a short seeded training run with cross-entropy on the one-hot masks.
 */
public final class Task3 {
    /** Adam's learning rate in {@link #train}. */
    public static final float LEARNING_RATE = 1e-3f;
    /**
     * Fraction of the pairs used for training (70 %: 8 of the 12 quick-mode pairs, two full batches of 4 — a last
     * batch of one image would break BatchNorm on the 1×1 maps of 32×32 inputs); the rest is the validation set.
     */
    public static final double TRAIN_FRACTION = 0.7;

    private Task3() {}

    /** Image side, a multiple of 32 (the backbone's coarsest stride): 32 in quick mode, 64 otherwise. */
    public static int imageSize() {
        return Labkit.quick() ? 32 : 64;
    }

    /** Image/mask pairs of the synthetic set: 12 in quick mode, 240 otherwise. */
    public static int imageCount() {
        return Labkit.quick() ? 12 : 240;
    }

    /** Training epochs: 3 in quick mode, 8 otherwise. */
    public static int epochs() {
        return Labkit.quick() ? 3 : 8;
    }

    /** Batch size: 4 in quick mode, 8 otherwise. */
    public static int batchSize() {
        return Labkit.quick() ? 4 : 8;
    }

    /** The classes and mask colours: background black, circle red, square green, triangle blue. */
    public static Palette palette() {
        return SegmentationShapes.PALETTE;
    }

    /**
     * Writes the synthetic segmentation set ({@link SegmentationShapes}: {@code images/} and colour
     * {@code masks/}) to a sub-folder of {@code root} named after its size (e.g. {@code 64px-240-seed42}) unless it
     * is already there, and returns that sub-folder. Quick and full runs thus never mix their images.
     */
    public static Path syntheticData(Path root) {
        return syntheticData(root, imageCount(), 42);
    }

    /** As {@link #syntheticData(Path)} with an explicit count and seed. */
    public static Path syntheticData(Path root, int count, long seed) {
        Path dir = root.resolve(imageSize() + "px-" + count + "-seed" + seed);
        Path marker = dir.resolve(".labkit-complete");
        if (!Files.exists(marker)) {
            try {
                SegmentationShapes.write(dir, count, imageSize(), seed);
                Files.writeString(marker, "written by labkit.tasks.Task3\n");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the segmentation set to " + dir.toAbsolutePath(), e);
            }
        }
        return dir;
    }

    /** The paired augmentation of the course: flip, ±15° rotation, 0.9–1.1 zoom, ±5 % shift on image and mask. */
    public static PairedAugment augmentation() {
        return PairedAugment.builder().build();
    }

    /**
     * The dataset in {@code root} ({@code images/}, {@code masks/}) with paired augmentation (seed 42): records
     * are (3×H×W float image in [0, 1], H×W int64 class map); {@code .oneHot()} gives C×H×W masks.
     */
    public static SegmentationDataset dataset(Path root) {
        return SegmentationDataset.builder().folders(root.resolve("images"), root.resolve("masks"))
                .palette(palette()).augment(augmentation()).seed(42).setSampling(batchSize(), true).build();
    }

    /**
     * Training and validation sets with one-hot masks: a seeded split of {@code all}; the training part keeps the
     * augmentation, the validation part has none.
     */
    public static SegmentationDataset[] split(SegmentationDataset all, long seed) {
        SegmentationDataset[] s = all.oneHot().split(TRAIN_FRACTION, seed);
        return new SegmentationDataset[] {s[0], s[1].withAugment(null)};
    }

    /**
     * One row per pair: the image, its colour mask, and one random paired augmentation of both (same geometry),
     * so you can check that the mask follows the image.
     */
    public static BufferedImage datasetGrid(SegmentationDataset ds, int rows, long seed) {
        ImageGrid grid = new ImageGrid().columns(4).cellSize(112)
                .heading("image | mask | the pair augmented");
        PairedAugment aug = augmentation();
        Random rng = new Random(seed);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < Math.min(rows, ds.size()); i++) {
                PairedAugment.Pair p = ds.read(m, i);
                PairedAugment.Pair a = aug.apply(p.image(), p.mask(), rng);
                String name = ds.pairs().get(i).image().getFileName().toString();
                grid.add(p.image(), name).add(ds.palette().colorize(p.mask()), "mask")
                        .add(a.image(), "augmented").add(ds.palette().colorize(a.mask()), "augmented mask");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return grid.render();
    }

    /** The one-hot view of pair {@code index}: the image, its colour mask and one 0/1 picture per class channel. */
    public static BufferedImage oneHotGrid(SegmentationDataset ds, int index) {
        Palette palette = ds.palette();
        ImageGrid grid = new ImageGrid().columns(2 + palette.size()).cellSize(112)
                .heading("one-hot mask: channel c is 1 (white) where the pixel belongs to class c");
        try (NDManager m = NDManager.newBaseManager()) {
            PairedAugment.Pair p = ds.read(m, index);
            NDArray oneHot = SegmentationDataset.oneHot(p.mask(), palette.size());
            grid.add(p.image(), "image").add(palette.colorize(p.mask()), "mask");
            for (int c = 0; c < palette.size(); c++) {
                grid.add(oneHot.get(c).mul(255f), c + " " + palette.names().get(c));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return grid.render();
    }

    /** An FFNet with head {@code kind} on ResNet-18 for the palette's classes, initialised (engine seed 42, so every run starts
     * from the same weights) for one image. */
    public static Model model(FFNetHead.Kind kind) {
        ai.djl.engine.Engine.getInstance().setRandomSeed(42);
        Model model = Model.newInstance("ffnet-" + kind);
        model.setBlock(FFNet.builder().head(kind).numClasses(palette().size()).build());
        model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, inputShape(1));
        return model;
    }

    /** Input shape N×3×S×S with S = {@link #imageSize()}. */
    public static Shape inputShape(int batch) {
        return new Shape(batch, 3, imageSize(), imageSize());
    }

    /**
     * Heads A, B and C side by side for one {@link #imageSize()}² image: parameters of backbone, head and whole
     * net, the head's multiply-adds, the four backbone feature shapes the head reads, and the output shapes of the
     * head (stride 4) and of the net (up-sampled to the input).
     */
    public static Table headTable() {
        StringColumn head = StringColumn.create("head");
        LongColumn backbone = LongColumn.create("backbone parameters");
        LongColumn headParams = LongColumn.create("head parameters");
        LongColumn total = LongColumn.create("total parameters");
        DoubleColumn macs = DoubleColumn.create("head MMACs");
        StringColumn features = StringColumn.create("backbone features");
        StringColumn headOut = StringColumn.create("head output");
        StringColumn out = StringColumn.create("net output");
        for (FFNetHead.Kind kind : FFNetHead.Kind.values()) {
            try (Model model = model(kind)) {
                FFNet net = (FFNet) model.getBlock();
                Shape[] f = net.backbone().getOutputShapes(new Shape[] {inputShape(1)});
                Complexity c = Complexity.of(net.head());
                head.append(kind.name());
                backbone.append(BlockTree.countParameters(net.backbone()));
                headParams.append(c.parameters());
                total.append(BlockTree.countParameters(net));
                macs.append(Math.round(c.macs() / 1e4) / 100.0);
                StringBuilder sb = new StringBuilder();
                for (Shape s : f) {
                    sb.append(sb.length() == 0 ? "" : " ").append(s.get(1)).append('×').append(s.get(2)).append('×').append(s.get(3));
                }
                features.append(sb.toString());
                headOut.append(net.head().getOutputShapes(f)[0].toString());
                out.append(net.getOutputShapes(new Shape[] {inputShape(1)})[0].toString());
            }
        }
        return Table.create("FFNet heads on ResNet-18, input " + inputShape(1), head, backbone, headParams, total, macs,
                features, headOut, out);
    }

    /**
     * The network two levels deep — the backbone's stem and four stages, the head's blocks, the final up-sampling —
     * with each block's type, input and output shapes (as initialised, e.g. by {@link #model}) and parameters.
     */
    public static Table layerTable(Model model) {
        StringColumn name = StringColumn.create("block");
        StringColumn type = StringColumn.create("type");
        StringColumn in = StringColumn.create("input");
        StringColumn out = StringColumn.create("output");
        LongColumn params = LongColumn.create("parameters");
        Block root = model.getBlock();
        for (Pair<String, Block> c : root.getChildren()) {
            String cn = BlockTree.childName(c.getKey());
            List<Pair<String, Block>> kids = new ArrayList<>();
            c.getValue().getChildren().forEach(kids::add);
            if (kids.isEmpty()) {
                kids.add(new Pair<>("", c.getValue()));
            }
            for (Pair<String, Block> k : kids) {
                Block b = k.getValue();
                Shape[] shapes = b.describeInput().values().toArray(new Shape[0]);
                name.append(k.getKey().isEmpty() ? cn : cn + "." + BlockTree.childName(k.getKey()));
                type.append(b.getClass().getSimpleName());
                in.append(describe(shapes));
                out.append(describe(b.getOutputShapes(shapes)));
                params.append(BlockTree.countParameters(b));
            }
        }
        name.append("total");
        type.append("");
        in.append("");
        out.append("");
        params.append(BlockTree.countParameters(root));
        return Table.create(model.getBlock().toString(), name, type, in, out, params);
    }

    private static String describe(Shape[] shapes) {
        if (shapes.length == 1) {
            return shapes[0].toString();
        }
        StringBuilder sb = new StringBuilder();
        for (Shape s : shapes) {
            sb.append(sb.length() == 0 ? "" : ", ").append(s);
        }
        return shapes.length + " maps: " + sb;
    }

    /**
     * Replaces every 3×3 conv+BN+ReLU block of {@code model}'s head by an inverted residual with expansion
     * {@code expandRatio} (same channels and stride, so the shapes stay) and re-initialises the new blocks; the
     * backbone is left as it is. Returns what changed.
     */
    public static InvertedResidualRewrite.Report invertedResidualSwap(Model model, double expandRatio) {
        FFNet net = (FFNet) model.getBlock();
        Shape[] features = net.backbone().getOutputShapes(new Shape[] {inputShape(1)});
        InvertedResidualRewrite.Report r = InvertedResidualRewrite.apply(net.head(), model.getNDManager(), expandRatio, features);
        net.initialize(model.getNDManager(), DataType.FLOAT32, inputShape(1));
        return r;
    }

    /** A swap report as a table: parameters and MACs of the head before and after, and their ratios. */
    public static Table swapTable(InvertedResidualRewrite.Report r) {
        return Table.create("head before/after the inverted-residual swap (" + r.replaced().size() + " blocks replaced)",
                StringColumn.create("head", "conv blocks (before)", "inverted residuals (after)"),
                LongColumn.create("parameters", r.before().parameters(), r.after().parameters()),
                DoubleColumn.create("MMACs", r.before().macs() / 1e6, r.after().macs() / 1e6),
                DoubleColumn.create("× parameters", 1.0, r.after().parameters() / (double) r.before().parameters()),
                DoubleColumn.create("× MACs", 1.0, r.after().macs() / (double) r.before().macs()));
    }

    /**
     * The swap on a fresh head {@code kind} for each expansion ratio: head parameters and MACs before and after.
     * An inverted residual is cheaper than a 3×3 conv only while the expansion stays small.
     */
    public static Table swapTable(FFNetHead.Kind kind, double... expandRatios) {
        StringColumn variant = StringColumn.create("head " + kind);
        LongColumn params = LongColumn.create("parameters");
        DoubleColumn macs = DoubleColumn.create("MMACs");
        DoubleColumn rp = DoubleColumn.create("× parameters");
        DoubleColumn rm = DoubleColumn.create("× MACs");
        for (int i = 0; i < expandRatios.length; i++) {
            try (Model model = model(kind)) {
                InvertedResidualRewrite.Report r = invertedResidualSwap(model, expandRatios[i]);
                if (i == 0) {
                    variant.append("3×3 conv blocks");
                    params.append(r.before().parameters());
                    macs.append(r.before().macs() / 1e6);
                    rp.append(1.0);
                    rm.append(1.0);
                }
                variant.append("inverted residual t=" + expandRatios[i]);
                params.append(r.after().parameters());
                macs.append(r.after().macs() / 1e6);
                rp.append(r.after().parameters() / (double) r.before().parameters());
                rm.append(r.after().macs() / (double) r.before().macs());
            }
        }
        return Table.create("head " + kind + ": conv blocks vs inverted residuals", variant, params, macs, rp, rm);
    }

    /** Pixel-wise cross-entropy on one-hot masks (the mean over pixels, as PyTorch's {@code CrossEntropyLoss}). */
    public static SoftmaxCrossEntropyLoss loss() {
        return new SoftmaxCrossEntropyLoss("cross-entropy", 1f, 1, false, true);
    }

    /**
     * A short training run with labkit's {@link Fit}: Adam (lr {@value #LEARNING_RATE}), cross-entropy on the one-hot
     * masks (see {@link #split}), {@code epochs} epochs of batches of {@link #batchSize()}, seeded (data order and
     * initialisation); returns the history: training and validation loss per epoch.
     */
    public static History train(Model model, SegmentationDataset train, SegmentationDataset validation, int epochs, int seed) {
        try (Fit fit = Fit.builder(model, loss()).optimizer(Adam.of(LEARNING_RATE)).epochs(epochs).batchSize(batchSize())
                .seed(seed).name("Task 3: FFNet, cross-entropy").build()) {
            return fit.fit(train, validation);
        }
    }


    /** The predicted H×W class map (int64) of one 3×H×W image in [0, 1], in inference mode. */
    public static NDArray predict(Model model, NDArray image) {
        if (image.getShape().dimension() != 3 || image.getShape().get(0) != 3) {
            throw new IllegalArgumentException("predict needs one 3×H×W image in [0, 1] (a dataset record), got shape "
                    + image.getShape());
        }
        NDArray logits = model.getBlock().forward(new ParameterStore(image.getManager(), false),
                new NDList(image.expandDims(0)), false).head();
        return logits.argMax(1).get(0);
    }

    /** One row per validation pair: image, true mask, predicted mask (colours of the palette). */
    public static BufferedImage predictionGrid(Model model, SegmentationDataset ds, int rows) {
        ImageGrid grid = new ImageGrid().columns(3).cellSize(112).heading("image | true mask | predicted mask");
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < Math.min(rows, ds.size()); i++) {
                PairedAugment.Pair p = ds.read(m, i);
                NDArray x = p.image().toType(DataType.FLOAT32, false).div(255f).transpose(2, 0, 1);
                grid.add(p.image(), "image").add(ds.palette().colorize(p.mask()), "true")
                        .add(ds.palette().colorize(predict(model, x)), "predicted");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return grid.render();
    }

    /**
     * Intersection over union per class and pixel accuracy of {@code model} on every pair of {@code ds} (without
     * augmentation); the last row is the mean IoU over the classes that occur.
     */
    public static Table iouTable(Model model, SegmentationDataset ds) {
        int c = ds.numClasses();
        long[] inter = new long[c];
        long[] union = new long[c];
        long correct = 0;
        long total = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < ds.size(); i++) {
                try (NDManager s = m.newSubManager()) {
                    PairedAugment.Pair p = ds.read(s, i);
                    NDArray x = p.image().toType(DataType.FLOAT32, false).div(255f).transpose(2, 0, 1);
                    int[] pred = predict(model, x).toType(DataType.INT32, false).toIntArray();
                    int[] truth = p.mask().toType(DataType.INT32, false).toIntArray();
                    for (int k = 0; k < pred.length; k++) {
                        if (pred[k] == truth[k]) {
                            inter[truth[k]]++;
                            union[truth[k]]++;
                            correct++;
                        } else {
                            union[truth[k]]++;
                            union[pred[k]]++;
                        }
                    }
                    total += pred.length;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        StringColumn cls = StringColumn.create("class");
        DoubleColumn iou = DoubleColumn.create("IoU");
        double sum = 0;
        int present = 0;
        for (int k = 0; k < c; k++) {
            cls.append(ds.palette().names().get(k));
            if (union[k] == 0) {
                iou.appendMissing();
            } else {
                double v = inter[k] / (double) union[k];
                iou.append(v);
                sum += v;
                present++;
            }
        }
        cls.append("mean IoU");
        iou.append(present == 0 ? Double.NaN : sum / present);
        return Table.create(String.format(java.util.Locale.ROOT, "IoU on %d images (pixel accuracy %.3f)", ds.size(),
                correct / (double) total), cls, iou);
    }
}
