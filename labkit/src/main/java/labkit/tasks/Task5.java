package labkit.tasks;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.IntUnaryOperator;
import java.util.function.Supplier;
import labkit.Labkit;
import labkit.data.ImageFolderDataset;
import labkit.data.Imagenette;
import labkit.models.MobileNetV2;
import labkit.nn.BlockTree;
import labkit.plot.Charts;
import labkit.quant.MinMaxObserver;
import labkit.quant.MovingAverageMinMaxObserver;
import labkit.quant.MovingAveragePerChannelMinMaxObserver;
import labkit.quant.PerChannelMinMaxObserver;
import labkit.quant.Ptq;
import labkit.quant.QConfig;
import labkit.quant.QParams;
import labkit.quant.QScheme;
import labkit.quant.QuantDType;
import labkit.quant.QuantizedModelFile;
import labkit.train.Adam;
import labkit.train.Fit;
import labkit.train.History;
import labkit.io.Downloads;
import labkit.weights.PretrainedWeights;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.components.Margin;
import tech.tablesaw.plotly.traces.BarTrace;
import tech.tablesaw.plotly.traces.ScatterTrace;
import tech.tablesaw.plotly.traces.Trace;

/**
 * Course Task 5 in its own words: post-training quantization (PTQ) of MobileNetV2. Take {@link #samples()} images,
 * split them 50/50 into a {@code calibrationDataset} and a {@code validationDataset}, get a float model (trained
 * here on Task 1's offline shapes, or torchvision's ImageNet weights scored on Imagenette), then quantize it with
 * three observer schemes and compare accuracy, model size and the scales/zero points each scheme chose.
 *
 * <pre>{@code
 * Task5.Data data = Task5.offlineData(Task1.syntheticData(Path.of("data", "shapes")), Task5.samples(), 0);
 * Task5.FloatModel fp32 = Task5.train(data, Task5.epochs(), 0, System.out);
 * Task5.Study study = Task5.quantize(fp32, data, Task5.configs(), Path.of("runs", "task5"), Task5.CALIBRATION_BATCH_SIZE);
 * show(study.results()); show(study.weightScalesChart("features.1.conv.0.0.0"));
 * }</pre>
 */
public final class Task5 {
    /** Width multiplier of the offline MobileNetV2 (about 0.7 M parameters with 10 classes). */
    public static final double WIDTH_MULT = 0.5;
    /** Names of the three schemes, in table order. */
    public static final String PER_CHANNEL_MINMAX = "per-channel MinMax", PER_TENSOR_MINMAX = "per-tensor MinMax",
            MOVING_AVERAGE = "per-channel MovingAverage";
    /**
     * Calibration batch size of {@link #quantize(FloatModel, Data, List, Path)}: 16 images. Moving-average
     * observers (scheme (c)) update their min/max once per batch ({@code old + 0.01 × (batch − old)}), so they need
     * several batches to differ from MinMax: with the dataset's own batch size the 50 calibration images of quick
     * mode are a single batch and (c) would quietly equal MinMax. 16 gives 4 batches in quick mode and 32 in the
     * full run (500 images), small enough for Binder's memory.
     */
    public static final int CALIBRATION_BATCH_SIZE = 16;
    /** The row of the float model in {@link Study#results()}. */
    public static final String FP32 = "fp32";

    private Task5() {}

    /** Images taken for calibration + validation: 1000 as the course says, 100 in quick mode. */
    public static int samples() {
        return Labkit.quick() ? 100 : 1000;
    }

    /** Training epochs of the offline model: 1 in quick mode (a smoke test: near-chance accuracy), 15 otherwise. */
    public static int epochs() {
        return Labkit.quick() ? 1 : 15;
    }

    /**
     * The images of one experiment. {@code calibrationDataset} and {@code validationDataset} are the two disjoint
     * halves of the sampled images; {@code train} (null for pretrained weights) holds every other image.
     *
     * @param train training images (augmented), disjoint from both halves; null when the weights come pretrained
     * @param calibrationDataset images the observers see during PTQ calibration
     * @param validationDataset images accuracy is measured on
     * @param inputSize image side the model gets
     * @param numClasses outputs of the model
     * @param classOf maps a dataset label to the model's output index (identity offline; Imagenette → ImageNet)
     */
    public record Data(ImageFolderDataset train, ImageFolderDataset calibrationDataset,
            ImageFolderDataset validationDataset, int inputSize, int numClasses, IntUnaryOperator classOf) {}

    /**
     * Splits the image folder {@code root} (e.g. Task 1's shapes): {@code samples} images drawn with {@code seed}
     * are halved into calibration and validation sets (evaluation transform); the rest become the training set
     * (Task 1's augmentation).
     */
    public static Data offlineData(Path root, int samples, long seed) {
        ImageFolderDataset all = Task1.dataset(root).withTransform(Task1.evalTransform());
        if (samples < 2 || samples >= all.size()) {
            throw new IllegalArgumentException("samples must be in [2, " + (all.size() - 1) + "] so that some images "
                    + "are left for training; " + root + " has " + all.size() + " images, got " + samples);
        }
        ImageFolderDataset.Split s = all.split((samples + 0.5) / all.size(), seed);
        ImageFolderDataset.Split halves = s.train().split(0.5, seed + 1);
        ImageFolderDataset train = s.validation().withTransform(Task1.trainTransform(seed));
        return new Data(train, halves.train(), halves.validation(), Task1.IMAGE_SIZE, all.classes().size(),
                label -> label);
    }

    /**
     * {@code samples} Imagenette validation photos (downloaded once, ~100 MB; needs the network the first time),
     * preprocessed as torchvision's MobileNetV2 weights expect and halved into calibration and validation sets.
     */
    public static Data pretrainedData(int samples, long seed) throws IOException {
        PretrainedWeights w = PretrainedWeights.MOBILENET_V2;
        Path root = Imagenette.fetch(Downloads.standard());
        ImageFolderDataset val = Imagenette.validation(root, x -> w.preprocessing().apply(x, x.getManager()), 32)
                .subset(samples, seed);
        ImageFolderDataset.Split halves = val.split(0.5, seed + 1);
        return new Data(null, halves.train(), halves.validation(), w.preprocessing().cropSize(), 1000,
                Imagenette::imagenetIndex);
    }

    /**
     * A float model ready to quantize: the DJL {@link Model} holding it, how to build an identical untrained twin
     * (PTQ changes a model in place, so every scheme gets a fresh copy), and the training history (null when
     * pretrained).
     */
    public record FloatModel(Model model, Supplier<Block> architecture, History history) implements AutoCloseable {
        /** The model's block. */
        public Block block() {
            return model.getBlock();
        }

        /** A new model with the same weights and BatchNorm statistics, initialized in {@code manager}. */
        public Block copy(NDManager manager, int inputSize) {
            Block b = architecture.get();
            b.initialize(manager, DataType.FLOAT32, new Shape(1, 3, inputSize, inputSize));
            Map<String, Parameter> dst = BlockTree.parameters(b);
            for (Map.Entry<String, Parameter> e : BlockTree.parameters(block()).entrySet()) {
                dst.get(e.getKey()).getArray().set(e.getValue().getArray().toFloatArray());
            }
            return b;
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /** The offline network: quantizable MobileNetV2 (ReLU, QuantStub/DeQuantStub), width {@link #WIDTH_MULT}. */
    public static Supplier<Block> offlineArchitecture(int numClasses) {
        return () -> MobileNetV2.builder().widthMult(WIDTH_MULT).numClasses(numClasses).quantizable(true).build();
    }

    /** Trains the offline MobileNetV2 on {@code data.train()} with Adam, validating on the validation half. */
    public static FloatModel train(Data data, int epochs, long seed, PrintStream progress) {
        if (data.train() == null) {
            throw new IllegalArgumentException("this Data has no training images (pretrained weights); use "
                    + "Task5.pretrained() for it, or Task5.offlineData(...) to train");
        }
        Supplier<Block> arch = offlineArchitecture(data.numClasses());
        Model model = Model.newInstance("task5-mobilenetv2");
        model.setBlock(arch.get());
        try (Fit fit = Fit.builder(model, Loss.softmaxCrossEntropyLoss()).optimizer(Adam.of(2e-3)).epochs(epochs)
                .batchSize(32).seed(seed).metric(new Accuracy()).name("mobilenetv2").progress(progress).build()) {
            History h = fit.fit(data.train(), data.validationDataset());
            return new FloatModel(model, arch, h);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /**
     * torchvision's quantizable MobileNetV2 with its ImageNet weights ({@link PretrainedWeights#MOBILENET_V2},
     * downloaded once and verified).
     */
    public static FloatModel pretrained() throws IOException {
        Supplier<Block> arch = () -> MobileNetV2.builder().numClasses(1000).quantizable(true).build();
        Model model = Model.newInstance("mobilenet_v2");
        model.setBlock(arch.get());
        model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, 224, 224));
        PretrainedWeights.MOBILENET_V2.loadInto(model.getBlock());
        return new FloatModel(model, arch, null);
    }

    /** (a) MinMax quint8 activations, per-channel symmetric qint8 MinMax weights. */
    public static QConfig perChannelMinMax() {
        return new QConfig(PER_CHANNEL_MINMAX, () -> MinMaxObserver.builder().build(),
                () -> PerChannelMinMaxObserver.builder().dtype(QuantDType.QINT8)
                        .qscheme(QScheme.PER_CHANNEL_SYMMETRIC).build());
    }

    /** (b) MinMax quint8 activations, one symmetric qint8 scale per weight tensor. */
    public static QConfig perTensorMinMax() {
        return new QConfig(PER_TENSOR_MINMAX, () -> MinMaxObserver.builder().build(),
                () -> MinMaxObserver.builder().dtype(QuantDType.QINT8).qscheme(QScheme.PER_TENSOR_SYMMETRIC).build());
    }

    /** (c) per-tensor MovingAverageMinMax quint8 activations, per-channel MovingAverage symmetric qint8 weights. */
    public static QConfig movingAverage() {
        return new QConfig(MOVING_AVERAGE, () -> MovingAverageMinMaxObserver.builder().build(),
                () -> MovingAveragePerChannelMinMaxObserver.builder().dtype(QuantDType.QINT8)
                        .qscheme(QScheme.PER_CHANNEL_SYMMETRIC).build());
    }

    /** The three schemes of the course, (a), (b), (c). */
    public static List<QConfig> configs() {
        return List.of(perChannelMinMax(), perTensorMinMax(), movingAverage());
    }

    /** Top-1 accuracy of {@code model} (eval mode) on {@code data}; labels go through {@code classOf}. */
    public static double accuracy(Block model, ImageFolderDataset data, IntUnaryOperator classOf) {
        return score(model, data, classOf).accuracy();
    }

    private static final int SCORE_BATCH = 50;

    /** Accuracy, predicted classes and all logits (row-major, one row per image, dataset order) of one pass. */
    record Scores(double accuracy, long[] predictions, float[] logits) {
        /** Fraction of images whose top-1 class equals {@code reference}'s. */
        double agreement(Scores reference) {
            int same = 0;
            for (int i = 0; i < predictions.length; i++) {
                same += predictions[i] == reference.predictions[i] ? 1 : 0;
            }
            return (double) same / predictions.length;
        }

        /** Signal-to-quantization-noise ratio of these logits against {@code reference}'s, in dB. */
        double sqnrDb(Scores reference) {
            return Task5.sqnrDb(reference.logits, logits);
        }
    }

    static Scores score(Block model, ImageFolderDataset data, IntUnaryOperator classOf) {
        long correct = 0;
        List<long[]> preds = new ArrayList<>();
        List<float[]> logitRows = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager()) {
            // always the same order (the dataset may shuffle): per-image comparisons between models line up
            ai.djl.training.dataset.Sampler inOrder = new ai.djl.training.dataset.BatchSampler(
                    new ai.djl.training.dataset.SequenceSampler(), SCORE_BATCH, false);
            for (Batch b : data.getData(manager, inOrder)) {
                try (b; NDManager sub = manager.newSubManager()) {
                    NDArray x = b.getData().head();
                    NDArray logits = model.forward(new ParameterStore(sub, false), new NDList(x), false).head();
                    long[] pred = logits.argMax(1).toLongArray();
                    float[] labels = b.getLabels().head().toType(DataType.FLOAT32, false).toFloatArray();
                    for (int i = 0; i < pred.length; i++) {
                        if (pred[i] == classOf.applyAsInt((int) labels[i])) {
                            correct++;
                        }
                    }
                    preds.add(pred);
                    logitRows.add(logits.toFloatArray());
                }
            }
        } catch (IOException | TranslateException e) {
            throw new IllegalStateException("cannot read the dataset " + data + ": " + e.getMessage(), e);
        }
        long[] allPreds = preds.stream().flatMapToLong(java.util.Arrays::stream).toArray();
        if (allPreds.length == 0) {
            throw new IllegalArgumentException("the dataset " + data + " gave no images to score");
        }
        int n = logitRows.stream().mapToInt(a -> a.length).sum();
        float[] allLogits = new float[n];
        int at = 0;
        for (float[] row : logitRows) {
            System.arraycopy(row, 0, allLogits, at, row.length);
            at += row.length;
        }
        return new Scores((double) correct / allPreds.length, allPreds, allLogits);
    }

    /** 10·log10(Σ reference² / Σ (approx − reference)²); 99 dB stands for "no error at all". */
    static double sqnrDb(float[] reference, float[] approx) {
        double signal = 0;
        double noise = 0;
        for (int i = 0; i < reference.length; i++) {
            signal += (double) reference[i] * reference[i];
            double d = (double) approx[i] - reference[i];
            noise += d * d;
        }
        return noise == 0 ? 99 : Math.min(99, 10 * Math.log10(signal / noise));
    }

    /**
     * What PTQ with one scheme gave.
     *
     * @param scheme the qconfig name
     * @param accuracy top-1 accuracy of the quantized model on the validation set
     * @param int8Bytes size of the saved quantized model file
     * @param weights weight qparams by layer path
     * @param activations activation qparams by layer path
     * @param weightRanges per-channel {min, max} of each weight tensor (what a per-channel observer sees)
     * @param qparams the full {@link Ptq#qparamsTable()}
     * @param agreement fraction of validation images whose int8 top-1 class equals the fp32 model's
     * @param logitSqnrDb signal-to-quantization-noise ratio of the int8 logits against the fp32 logits (dB; higher is
     *     closer; +6 dB is half the error amplitude)
     * @param weightSqnrDb per weight layer: SQNR of its int8-rounded weights against the fused float weights (dB)
     */
    public record Result(String scheme, double accuracy, long int8Bytes, Map<String, QParams> weights,
            Map<String, QParams> activations, Map<String, float[][]> weightRanges, Table qparams, double agreement,
            double logitSqnrDb, Map<String, Double> weightSqnrDb) {

        /** Median of {@link #weightSqnrDb()} over the layers. */
        public double medianWeightSqnrDb() {
            double[] v = weightSqnrDb.values().stream().mapToDouble(Double::doubleValue).sorted().toArray();
            return v.length == 0 ? Double.NaN : v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
        }
    }

    /**
     * PTQ of one float model with several schemes, with the float baseline.
     *
     * @param fp32Accuracy top-1 accuracy of the float model on the validation set
     * @param fp32Bytes size of the saved float model
     * @param schemes one result per qconfig, in the order given
     * @param calibrationImages images in the calibration set
     * @param validationImages images in the validation set
     * @param calibrationBatchSize images per calibration batch
     */
    public record Study(double fp32Accuracy, long fp32Bytes, List<Result> schemes, int calibrationImages,
            int validationImages, int calibrationBatchSize) {

        /** The result of scheme {@code name}; throws listing the names otherwise. */
        public Result scheme(String name) {
            for (Result r : schemes) {
                if (r.scheme().equals(name)) {
                    return r;
                }
            }
            throw new IllegalArgumentException("no scheme '" + name + "'; schemes: "
                    + schemes.stream().map(Result::scheme).toList());
        }

        /** The scheme with the highest accuracy (the first one on ties). */
        public Result best() {
            Result best = schemes.get(0);
            for (Result r : schemes) {
                if (r.accuracy() > best.accuracy()) {
                    best = r;
                }
            }
            return best;
        }

        /**
         * One row for fp32 and one per scheme: accuracy, its change vs fp32 (points), size in MB and vs fp32, how
         * often the top-1 class agrees with fp32, the logit SQNR against fp32 and the median weight SQNR (dB).
         */
        public Table results() {
            StringColumn model = StringColumn.create("model");
            DoubleColumn acc = DoubleColumn.create("accuracy_%");
            DoubleColumn drop = DoubleColumn.create("vs_fp32_points");
            DoubleColumn mb = DoubleColumn.create("size_MB");
            DoubleColumn ratio = DoubleColumn.create("size_vs_fp32_%");
            DoubleColumn agree = DoubleColumn.create("agrees_with_fp32_%");
            DoubleColumn logitSqnr = DoubleColumn.create("logit_SQNR_dB");
            DoubleColumn weightSqnr = DoubleColumn.create("weight_SQNR_dB_median");
            model.append(FP32);
            acc.append(round(100 * fp32Accuracy, 2));
            drop.append(0.0);
            mb.append(round(fp32Bytes / 1e6, 3));
            ratio.append(100.0);
            agree.append(100.0);
            logitSqnr.appendMissing();
            weightSqnr.appendMissing();
            for (Result r : schemes) {
                model.append(r.scheme());
                acc.append(round(100 * r.accuracy(), 2));
                drop.append(round(100 * (r.accuracy() - fp32Accuracy), 2));
                mb.append(round(r.int8Bytes() / 1e6, 3));
                ratio.append(round(100.0 * r.int8Bytes() / fp32Bytes, 1));
                agree.append(round(100 * r.agreement(), 2));
                logitSqnr.append(round(r.logitSqnrDb(), 1));
                weightSqnr.append(round(r.medianWeightSqnrDb(), 1));
            }
            return Table.create("PTQ results (" + validationImages + " validation images, " + calibrationImages
                    + " calibration images in batches of " + calibrationBatchSize + ")", model, acc, drop, mb, ratio,
                    agree, logitSqnr, weightSqnr);
        }

        /**
         * Scale of every output channel of weight layer {@code layer} under each scheme (a per-tensor scheme
         * uses its one scale for every channel), as lines over the channel index. Weight zero points are 0 in all
         * three schemes (symmetric qint8), so the scale is the whole story for weights.
         */
        public Figure weightScalesChart(String layer) {
            List<Trace> traces = new ArrayList<>();
            for (Result r : schemes) {
                QParams qp = requireLayer(r.weights(), layer, "weight");
                int channels = r.weightRanges().get(layer)[0].length;
                double[] x = new double[channels];
                double[] y = new double[channels];
                for (int c = 0; c < channels; c++) {
                    x[c] = c;
                    y[c] = qp.scale()[qp.isPerChannel() ? c : 0];
                }
                traces.add(ScatterTrace.builder(x, y).mode(ScatterTrace.Mode.LINE_AND_MARKERS).name(r.scheme())
                        .showLegend(true).build());
            }
            Layout layout = Charts.layout("weight scale per output channel: " + layer, "output channel", "scale");
            return new Figure(layout, traces.toArray(new Trace[0]));
        }

        /** Activation scales (left) or zero points ({@code zeroPoints}) of {@code layers}, one bar group per layer. */
        public Figure activationChart(List<String> layers, boolean zeroPoints) {
            List<Trace> traces = new ArrayList<>();
            for (Result r : schemes) {
                String[] x = new String[layers.size()];
                double[] y = new double[layers.size()];
                for (int i = 0; i < layers.size(); i++) {
                    QParams qp = requireLayer(r.activations(), layers.get(i), "activation");
                    x[i] = layers.get(i);
                    y[i] = zeroPoints ? qp.zeroPoint()[0] : qp.scale()[0];
                }
                traces.add(BarTrace.builder(x, y).name(r.scheme()).showLegend(true).build());
            }
            String what = zeroPoints ? "zero point" : "scale";
            Layout layout = Layout.builder("activation " + what + " per layer and scheme").width(Charts.WIDTH)
                    .height(Charts.HEIGHT).barMode(Layout.BarMode.GROUP)
                    .margin(Margin.builder().top(50).bottom(110).left(70).right(20).build())
                    .xAxis(Axis.builder().title("").build()).yAxis(Axis.builder().title(what).build()).build();
            return new Figure(layout, traces.toArray(new Trace[0]));
        }

        /**
         * Per weight layer: output channels, the ratio of the widest to the narrowest channel range
         * (max |w| per channel), and the int8 levels the narrowest channel gets with one per-tensor scale
         * ({@code 255 × narrowest / widest}) versus with its own scale (255). Sorted by that ratio, largest first.
         */
        public Table channelSpread() {
            Result any = schemes.get(0);
            StringColumn layer = StringColumn.create("layer");
            IntColumn channels = IntColumn.create("channels");
            DoubleColumn spread = DoubleColumn.create("widest/narrowest");
            DoubleColumn levels = DoubleColumn.create("levels_narrowest_per_tensor");
            IntColumn perChannel = IntColumn.create("levels_per_channel");
            for (Map.Entry<String, float[][]> e : any.weightRanges().entrySet()) {
                float[][] mm = e.getValue();
                double lo = Double.POSITIVE_INFINITY;
                double hi = 0;
                for (int c = 0; c < mm[0].length; c++) {
                    double a = Math.max(Math.abs(mm[0][c]), Math.abs(mm[1][c]));
                    lo = Math.min(lo, a);
                    hi = Math.max(hi, a);
                }
                layer.append(e.getKey());
                channels.append(mm[0].length);
                spread.append(round(lo > 0 ? hi / lo : Double.POSITIVE_INFINITY, 1));
                levels.append(round(hi > 0 ? 255 * lo / hi : 0, 1));
                perChannel.append(255);
            }
            Table t = Table.create("weight channel spread", layer, channels, spread, levels, perChannel);
            return t.sortDescendingOn("widest/narrowest");
        }

        /**
         * Per weight layer (network order): the SQNR of its int8 weights under each scheme, in dB. Accuracy on a few
         * hundred images moves in steps of one image; this is the error the schemes actually make in the weights.
         */
        public Table weightSqnr() {
            StringColumn layer = StringColumn.create("layer");
            List<DoubleColumn> cols = new ArrayList<>();
            for (Result r : schemes) {
                cols.add(DoubleColumn.create(r.scheme() + " dB"));
            }
            for (String path : schemes.get(0).weightSqnrDb().keySet()) {
                layer.append(path);
                for (int i = 0; i < schemes.size(); i++) {
                    Double v = schemes.get(i).weightSqnrDb().get(path);
                    cols.get(i).append(v == null ? Double.NaN : round(v, 1));
                }
            }
            Table t = Table.create("weight SQNR per layer (dB, higher is better)", layer);
            cols.forEach(t::addColumns);
            return t;
        }

        /** {@link #weightSqnr()} as one line per scheme over the layers in network order. */
        public Figure weightSqnrChart() {
            List<Trace> traces = new ArrayList<>();
            for (Result r : schemes) {
                double[] x = new double[r.weightSqnrDb().size()];
                double[] y = new double[x.length];
                int i = 0;
                for (double v : r.weightSqnrDb().values()) {
                    x[i] = i;
                    y[i++] = v;
                }
                traces.add(ScatterTrace.builder(x, y).mode(ScatterTrace.Mode.LINE_AND_MARKERS).name(r.scheme())
                        .showLegend(true).build());
            }
            Layout layout = Charts.layout("int8 weight error per layer (SQNR; higher = closer to the float weights)",
                    "weight layer (network order: stem, blocks, classifier)", "SQNR (dB)");
            return new Figure(layout, traces.toArray(new Trace[0]));
        }

        /** One sentence on which scheme won and by how much, computed from the numbers in {@link #results()}. */
        public String verdict() {
            Result best = best();
            if (schemes.stream().allMatch(r -> r.accuracy() == best.accuracy())) {
                return String.format(Locale.ROOT, "fp32 %.1f%%; all %d int8 schemes tie at %.1f%%: this run cannot "
                        + "tell them apart (%d validation images; one image is %.2f points).", 100 * fp32Accuracy,
                        schemes.size(), 100 * best.accuracy(), validationImages, 100.0 / validationImages)
                        + fidelity();
            }
            StringBuilder s = new StringBuilder(String.format(Locale.ROOT,
                    "fp32 %.1f%%; best int8 scheme: %s at %.1f%% (%+.1f points vs fp32)", 100 * fp32Accuracy,
                    best.scheme(), 100 * best.accuracy(), 100 * (best.accuracy() - fp32Accuracy)));
            for (Result r : schemes) {
                if (r != best) {
                    s.append(String.format(Locale.ROOT, "; %s %.1f%% (%+.1f points vs the best)", r.scheme(),
                            100 * r.accuracy(), 100 * (r.accuracy() - best.accuracy())));
                }
            }
            s.append(String.format(Locale.ROOT, ". One validation image is %.2f points here, so differences of a "
                    + "point or two are within noise at this size.", 100.0 / validationImages));
            s.append(fidelity());
            return s.toString();
        }

        /** How close each scheme stays to the float model: top-1 agreement, logit SQNR, median weight SQNR. */
        String fidelity() {
            StringBuilder s = new StringBuilder(" Closeness to fp32 (less noisy than accuracy):");
            for (Result r : schemes) {
                s.append(String.format(Locale.ROOT, " %s agrees on %.1f%% of images, logit SQNR %.1f dB, median "
                        + "weight SQNR %.1f dB;", r.scheme(), 100 * r.agreement(), r.logitSqnrDb(),
                        r.medianWeightSqnrDb()));
            }
            s.setLength(s.length() - 1);
            Result closest = schemes.get(0);
            for (Result r : schemes) {
                if (r.logitSqnrDb() > closest.logitSqnrDb()) {
                    closest = r;
                }
            }
            return s.append(String.format(Locale.ROOT, ". Closest to the float model: %s.", closest.scheme())).toString();
        }

        private static QParams requireLayer(Map<String, QParams> m, String layer, String kind) {
            QParams qp = m.get(layer);
            if (qp == null) {
                throw new IllegalArgumentException("no " + kind + " qparams for layer '" + layer + "'; layers: "
                        + m.keySet());
            }
            return qp;
        }
    }

    /**
     * Quantizes a copy of {@code fp32} with each of {@code configs}: prepare (BN fusion, observers), calibrate on
     * the whole calibration set in batches of {@link #CALIBRATION_BATCH_SIZE}, convert, score on the validation
     * set, save to {@code workDir} for the size.
     */
    public static Study quantize(FloatModel fp32, Data data, List<QConfig> configs, Path workDir) {
        return quantize(fp32, data, configs, workDir, CALIBRATION_BATCH_SIZE);
    }

    /**
     * As {@link #quantize(FloatModel, Data, List, Path)} with {@code calibrationBatchSize} images per calibration
     * batch (in the calibration set's order). Moving-average observers update once per batch, so fewer, larger
     * batches bring them closer to MinMax; a batch holding the whole calibration set makes them equal.
     */
    public static Study quantize(FloatModel fp32, Data data, List<QConfig> configs, Path workDir,
            int calibrationBatchSize) {
        if (calibrationBatchSize < 1) {
            throw new IllegalArgumentException("calibrationBatchSize must be >= 1, got " + calibrationBatchSize);
        }
        try {
            Files.createDirectories(workDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the work folder " + workDir, e);
        }
        Scores reference = score(fp32.block(), data.validationDataset(), data.classOf());
        double fp32Acc = reference.accuracy();
        long fp32Bytes = labkit.quant.ModelSize.saveFloat(fp32.block(), workDir.resolve("fp32.params"));
        List<Result> results = new ArrayList<>();
        for (QConfig qc : configs) {
            try (NDManager manager = NDManager.newBaseManager()) {
                Block copy = fp32.copy(manager, data.inputSize());
                Ptq ptq = Ptq.prepare(copy, qc);
                Map<String, float[][]> ranges = new LinkedHashMap<>(); // of the fused float weights
                for (String path : ptq.weightObservers().keySet()) {
                    ranges.put(path, perChannelRange(BlockTree.parameters(BlockTree.get(copy, path))
                            .get("weight").getArray()));
                }
                ptq.calibrate(data.calibrationDataset(), calibrationBatchSize);
                Map<String, float[]> floatWeights = new LinkedHashMap<>(); // fused, before rounding to int8
                for (String path : ptq.weightObservers().keySet()) {
                    floatWeights.put(path, weightOf(copy, path).toFloatArray());
                }
                Block q = ptq.convert();
                Map<String, Double> weightSqnr = new LinkedHashMap<>();
                floatWeights.forEach((path, w) -> weightSqnr.put(path, sqnrDb(w, weightOf(q, path).toFloatArray())));
                Scores scores = score(q, data.validationDataset(), data.classOf());
                double acc = scores.accuracy();
                String file = qc.name().replaceAll("[^A-Za-z0-9]+", "-") + ".lkq";
                long bytes = QuantizedModelFile.save(ptq, workDir.resolve(file));
                results.add(new Result(qc.name(), acc, bytes, new LinkedHashMap<>(ptq.weightQParams()),
                        ptq.activationQParams(), ranges, ptq.qparamsTable(), scores.agreement(reference),
                        scores.sqnrDb(reference), weightSqnr));
            }
        }
        return new Study(fp32Acc, fp32Bytes, results, (int) data.calibrationDataset().size(),
                (int) data.validationDataset().size(), calibrationBatchSize);
    }

    private static NDArray weightOf(Block model, String path) {
        return BlockTree.parameters(BlockTree.get(model, path)).get("weight").getArray();
    }

    /** {min, max} over each output channel (axis 0) of a weight tensor. */
    private static float[][] perChannelRange(NDArray w) {
        NDArray flat = w.reshape(w.getShape().get(0), -1);
        try (NDArray lo = flat.min(new int[] {1}); NDArray hi = flat.max(new int[] {1})) {
            return new float[][] {lo.toFloatArray(), hi.toFloatArray()};
        } finally {
            flat.close();
        }
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }
}
