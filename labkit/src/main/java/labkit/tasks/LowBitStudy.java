package labkit.tasks;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import ai.djl.training.loss.Loss;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;
import labkit.Labkit;
import labkit.data.DetectionDataset;
import labkit.boxes.Detection;
import labkit.data.synthetic.SyntheticDetection;
import labkit.models.Anchors;
import labkit.models.BoxCoder;
import labkit.models.SsdLite;
import labkit.nn.BlockTree;
import labkit.quant.BiasCorrection;
import labkit.quant.Calibration;
import labkit.quant.Lapq;
import labkit.quant.ModelSize;
import labkit.quant.Ptq;
import labkit.quant.QConfig;
import labkit.quant.QuantizedModelFile;
import labkit.train.Adam;
import labkit.train.CocoEvaluator;
import labkit.train.Fit;
import labkit.train.MultiBoxLoss;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.traces.ScatterTrace;

/**
 * The low-bit quantization study of the thesis/homework table: a model (the Task 5 MobileNetV2 classifier, the
 * {@link SsdLite} detector) × bit widths (weights 8/6/4, activations 8/4) × calibration (min-max, percentile,
 * MSE, KL, MSE + bias correction, LAPQ), each row a fresh copy of the float model quantized by {@link Ptq} and
 * scored (top-1 accuracy or COCO mAP@[.5:.95]), with its quantized file size (≤ 4-bit weights packed). Thin: the
 * methods return records; the notebook makes the table and chart.
 */
public final class LowBitStudy {
    /** Calibration method labels, in table order. */
    public static final List<String> METHODS = List.of("min-max", "percentile", "mse", "kl", "mse+bias-corr", "lapq");
    /** (weight bits, activation bits) pairs, in table order. */
    public static final List<int[]> BITS = List.of(new int[] {8, 8}, new int[] {6, 8}, new int[] {4, 8},
            new int[] {4, 4});

    /** The bit pairs of a run: {@link #BITS}, in quick mode only w8a8 and w4a4. */
    public static List<int[]> bits() {
        return Labkit.quick() ? List.of(BITS.get(0), BITS.get(3)) : BITS;
    }

    /** The methods of a run: {@link #METHODS}; quick mode leaves out LAPQ (its search is the slow part). */
    public static List<String> methods() {
        return Labkit.quick() ? METHODS.subList(0, METHODS.size() - 1) : METHODS;
    }

    /**
     * Calibration batches LAPQ's loss is computed on (its search calls the loss a few hundred times, so it sees
     * a fixed subset of the calibration set).
     */
    public static final int LAPQ_BATCHES = 2;

    private LowBitStudy() {}

    /**
     * One row of the table.
     *
     * @param model "classifier" or "detector"
     * @param method calibration label ({@link #METHODS}, or "fp32")
     * @param weightBits weight bits (32 for fp32)
     * @param activationBits activation bits (32 for fp32)
     * @param quality top-1 accuracy or mAP@[.5:.95]
     * @param bytes size of the saved model file
     * @param seconds time to quantize and score this row
     */
    public record Row(String model, String method, int weightBits, int activationBits, double quality, long bytes,
                      double seconds) {}

    /** A row's QConfig: the calibration at those bits (percentile 99.99 for activations). */
    public static QConfig qconfig(String method, int weightBits, int activationBits) {
        Calibration c = switch (method) {
            case "min-max" -> Calibration.minMax();
            case "percentile" -> Calibration.percentile(99.99);
            case "mse", "mse+bias-corr" -> Calibration.mse();
            case "kl" -> Calibration.kl();
            case "lapq" -> Calibration.lp(2.5);
            default -> throw new IllegalArgumentException("unknown method '" + method + "': use one of " + METHODS);
        };
        return c.qconfig(weightBits, activationBits);
    }

    /**
     * Quantizes copies of a float model for every method × bit pair and scores them. {@code copy} makes a fresh
     * float copy, {@code calibration} holds input batches, {@code lapqLoss} is the task loss of a model on the
     * calibration set (for LAPQ, run only at 4-bit weights: its search is the costly part), {@code quality}
     * scores a model.
     */
    public static List<Row> run(String model, Function<NDManager, Block> copy, List<NDArray> calibration,
                                ToDoubleFunction<Block> lapqLoss, ToDoubleFunction<Block> quality, Path workDir,
                                List<String> methods, List<int[]> bits, PrintStream progress) {
        List<Row> rows = new ArrayList<>();
        try {
            Files.createDirectories(workDir);
            try (NDManager m = NDManager.newBaseManager()) {
                Block f = copy.apply(m);
                long t0 = System.nanoTime();
                double q = quality.applyAsDouble(f);
                long bytes = ModelSize.saveFloat(f, workDir.resolve(model + "-fp32.params"));
                rows.add(new Row(model, "fp32", 32, 32, q, bytes, (System.nanoTime() - t0) / 1e9));
            }
            for (int[] b : bits) {
                for (String method : methods) {
                    if (method.equals("lapq") && b[0] > 4) {
                        continue;
                    }
                    long t0 = System.nanoTime();
                    try (NDManager m = NDManager.newBaseManager()) {
                        Block f = copy.apply(m);
                        Ptq ptq = Ptq.prepare(f, qconfig(method, b[0], b[1]));
                        ptq.calibrate(calibration);
                        Block q;
                        if (method.equals("mse+bias-corr")) {
                            BiasCorrection.apply(ptq, calibration);
                            q = ptq.convert();
                        } else if (method.equals("lapq")) {
                            q = Lapq.convert(ptq, lapqLoss, 1).model();
                        } else {
                            q = ptq.convert();
                        }
                        double score = quality.applyAsDouble(q);
                        long bytes = QuantizedModelFile.save(ptq, workDir.resolve(String.format(Locale.ROOT,
                                "%s-%s-w%da%d.lkq", model, method, b[0], b[1])));
                        Row r = new Row(model, method, b[0], b[1], score, bytes, (System.nanoTime() - t0) / 1e9);
                        rows.add(r);
                        if (progress != null) {
                            progress.printf(Locale.ROOT, "%s w%da%d %-14s %.4f  %,d bytes  %.1f s%n", model, b[0],
                                    b[1], method, score, bytes, r.seconds());
                        }
                    }
                }
            }
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return rows;
    }

    /** The classifier rows: Task 5's float MobileNetV2, calibrated on its calibration set, top-1 on validation. */
    public static List<Row> classifier(Task5.FloatModel fp32, Task5.Data data, Path workDir, PrintStream progress) {
        try (NDManager keep = NDManager.newBaseManager()) {
            List<NDArray> images = new ArrayList<>();
            List<NDArray> labels = new ArrayList<>();
            for (Batch b : data.calibrationDataset().getData(keep)) {
                NDArray x = b.getData().head();
                NDArray y = b.getLabels().head();
                x.attach(keep);
                y.attach(keep);
                images.add(x);
                labels.add(y);
                b.close();
            }
            Loss ce = Loss.softmaxCrossEntropyLoss();
            int lapqBatches = Math.min(images.size(), LAPQ_BATCHES);
            ToDoubleFunction<Block> loss = blk -> {
                double s = 0;
                try (NDManager sub = keep.newSubManager()) {
                    for (int i = 0; i < lapqBatches; i++) {
                        NDArray out = blk.forward(new ParameterStore(sub, false), new NDList(images.get(i)), false)
                                .singletonOrThrow();
                        s += ce.evaluate(new NDList(labels.get(i)), new NDList(out)).getFloat();
                    }
                }
                return s / lapqBatches;
            };
            return run("classifier", m -> fp32.copy(m, data.inputSize()), images, loss,
                    blk -> Task5.accuracy(blk, data.validationDataset(), data.classOf()), workDir, methods(), bits(),
                    progress);
        } catch (ai.djl.translate.TranslateException | java.io.IOException e) {
            throw new IllegalStateException("cannot read the calibration images: " + e.getMessage(), e);
        }
    }

    /**
     * A trained detector and its data.
     *
     * @param model the DJL model holding the float {@link SsdLite}
     * @param anchors its anchors
     * @param train training images (the first {@code calibrationImages} also calibrate)
     * @param validation images mAP is measured on
     * @param finalLoss MultiBox loss of the last training epoch
     */
    public record Detector(Model model, Anchors anchors, DetectionDataset train, DetectionDataset validation,
                           double finalLoss) implements AutoCloseable {
        /** A float copy of the trained detector in {@code manager}. */
        public Block copy(NDManager manager) {
            SsdLite b = new SsdLite(SyntheticDetection.CLASSES.size(), WIDTH, anchors.perCell());
            int s = train.inputSize();
            b.initialize(manager, DataType.FLOAT32, new Shape(1, 3, s, s));
            Map<String, Parameter> dst = BlockTree.parameters(b);
            for (Map.Entry<String, Parameter> e : BlockTree.parameters(model.getBlock()).entrySet()) {
                dst.get(e.getKey()).getArray().set(e.getValue().getArray().toFloatArray());
            }
            return b;
        }

        @Override
        public void close() {
            model.close();
        }
    }

    /** MobileNetV2 width of the detector's backbone. */
    public static final double WIDTH = 0.5;

    /**
     * Writes the seeded synthetic detection set under {@code dir} ({@code trainImages} + {@code valImages} images of
     * {@code size}²) and trains {@link SsdLite} on it with Adam for {@code epochs}.
     */
    public static Detector trainDetector(Path dir, int trainImages, int valImages, int size, int epochs, long seed,
                                         PrintStream progress) {
        var trainAnn = SyntheticDetection.write(dir.resolve("train"), trainImages, size, seed);
        var valAnn = SyntheticDetection.write(dir.resolve("val"), valImages, size, seed + 1);
        Anchors anchors = Anchors.ssd(SsdLite.featureSizes(size), 0.1, 0.7);
        DetectionDataset.TargetEncoder enc = (mm, boxes, cats) -> BoxCoder.targets(mm, anchors, boxes, cats, 0.5);
        DetectionDataset train = DetectionDataset.builder().annotations(trainAnn, dir.resolve("train/images"))
                .size(size).encoder(enc).setSampling(16, true).build();
        DetectionDataset val = DetectionDataset.builder().annotations(valAnn, dir.resolve("val/images"))
                .size(size).encoder(enc).setSampling(16, false).build();
        Engine.getInstance().setRandomSeed((int) seed);
        Model model = Model.newInstance("ssdlite");
        model.setBlock(new SsdLite(SyntheticDetection.CLASSES.size(), WIDTH, anchors.perCell()));
        try (Fit fit = Fit.builder(model, new MultiBoxLoss()).optimizer(Adam.of(2e-3)).epochs(epochs).batchSize(16)
                .seed(seed).name("ssdlite").progress(progress).build()) {
            var h = fit.fit(train);
            double loss = h.table().column("train_loss") instanceof DoubleColumn c ? c.get(c.size() - 1) : Double.NaN;
            return new Detector(model, anchors, train, val, loss);
        } catch (RuntimeException e) {
            model.close();
            throw e;
        }
    }

    /** COCO metrics of {@code model} on the validation images (score threshold 0.01, NMS 0.5, 100 per image). */
    public static CocoEvaluator.Metrics map(Block model, Detector d) {
        DetectionDataset val = d.validation();
        List<Detection> dets = new ArrayList<>();
        int k = SyntheticDetection.CLASSES.size();
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < val.size(); i += 16) {
                try (NDManager sub = m.newSubManager()) {
                    int n = (int) Math.min(16, val.size() - i);
                    NDList xs = new NDList();
                    for (int j = 0; j < n; j++) {
                        xs.add(val.image(sub, i + j));
                    }
                    NDList out = model.forward(new ParameterStore(sub, false), new NDList(ai.djl.ndarray.NDArrays
                            .stack(xs)), false);
                    for (int j = 0; j < n; j++) {
                        dets.addAll(SsdLite.detect(val.imageId(i + j), out.get(0).get(j).toFloatArray(),
                                out.get(1).get(j).toFloatArray(), d.anchors(), k, val.inputSize(), 0.01, 0.5, 100));
                    }
                }
            }
        }
        var ann = val.annotations();
        return CocoEvaluator.evaluate(ann.annotations(), dets, ann.images().keySet(), ann.categories().keySet());
    }

    /** The detector rows: calibrated on the first {@code calibrationImages} training images, mAP on validation. */
    public static List<Row> detector(Detector d, int calibrationImages, Path workDir, PrintStream progress) {
        try (NDManager keep = NDManager.newBaseManager()) {
            List<NDArray> images = new ArrayList<>();
            List<NDList> labels = new ArrayList<>();
            DetectionDataset train = d.train();
            for (int i = 0; i < calibrationImages; i += 16) {
                int n = (int) Math.min(16, Math.min(calibrationImages, train.size()) - i);
                if (n <= 0) {
                    break;
                }
                NDList xs = new NDList();
                NDList cs = new NDList();
                NDList bs = new NDList();
                for (int j = 0; j < n; j++) {
                    var r = train.get(keep, i + j);
                    xs.add(r.getData().head());
                    cs.add(r.getLabels().get(0));
                    bs.add(r.getLabels().get(1));
                }
                images.add(ai.djl.ndarray.NDArrays.stack(xs));
                labels.add(new NDList(ai.djl.ndarray.NDArrays.stack(cs), ai.djl.ndarray.NDArrays.stack(bs)));
            }
            MultiBoxLoss mb = new MultiBoxLoss();
            int lapqBatches = Math.min(images.size(), LAPQ_BATCHES);
            ToDoubleFunction<Block> loss = blk -> {
                double s = 0;
                try (NDManager sub = keep.newSubManager()) {
                    for (int i = 0; i < lapqBatches; i++) {
                        NDList out = blk.forward(new ParameterStore(sub, false), new NDList(images.get(i)), false);
                        s += mb.evaluate(labels.get(i), out).getFloat();
                    }
                }
                return s / lapqBatches;
            };
            return run("detector", d::copy, images, loss, blk -> map(blk, d).ap(), workDir, methods(), bits(),
                    progress);
        }
    }

    /** The rows as a table: model, weight/activation bits, method, quality, size in kB. */
    public static Table table(List<Row> rows) {
        Table t = Table.create("low-bit quantization",
                StringColumn.create("model"), StringColumn.create("bits"), StringColumn.create("method"),
                DoubleColumn.create("quality"), DoubleColumn.create("size_kB"), IntColumn.create("w_bits"),
                IntColumn.create("a_bits"));
        for (Row r : rows) {
            t.stringColumn("model").append(r.model());
            t.stringColumn("bits").append(r.weightBits() == 32 ? "fp32" : "w" + r.weightBits() + "a" + r.activationBits());
            t.stringColumn("method").append(r.method());
            t.doubleColumn("quality").append(Math.round(r.quality() * 10000) / 10000.0);
            t.doubleColumn("size_kB").append(Math.round(r.bytes() / 100.0) / 10.0);
            t.intColumn("w_bits").append(r.weightBits());
            t.intColumn("a_bits").append(r.activationBits());
        }
        return t;
    }

    /** Quality against bit pair, one line per method, for one model. */
    public static Figure chart(List<Row> rows, String model) {
        List<ScatterTrace> traces = new ArrayList<>();
        for (String method : METHODS) {
            List<String> x = new ArrayList<>();
            List<Double> y = new ArrayList<>();
            for (Row r : rows) {
                if (r.model().equals(model) && r.method().equals(method)) {
                    x.add("w" + r.weightBits() + "a" + r.activationBits());
                    y.add(r.quality());
                }
            }
            if (!x.isEmpty()) {
                traces.add(ScatterTrace.builder(StringColumn.create("bits", x), DoubleColumn.create("quality", y))
                        .mode(ScatterTrace.Mode.LINE_AND_MARKERS).name(method).showLegend(true).build());
            }
        }
        Layout layout = Layout.builder(model + ": quality vs bits per calibration", "bits",
                model.equals("detector") ? "mAP@[.5:.95]" : "top-1 accuracy").build();
        return new Figure(layout, traces.toArray(new ScatterTrace[0]));
    }

    /**
     * The analysis sentences computed from the rows: per model, the fp32 quality, the best and worst method at
     * w4a8 and w4a4, and whether LAPQ / MSE beat min-max at 4 bits.
     */
    public static String analysis(List<Row> rows) {
        StringBuilder sb = new StringBuilder();
        for (String model : List.of("classifier", "detector")) {
            Row fp = rows.stream().filter(r -> r.model().equals(model) && r.method().equals("fp32")).findFirst()
                    .orElse(null);
            if (fp == null) {
                continue;
            }
            sb.append(String.format(Locale.ROOT, "%s: fp32 %.3f.", model, fp.quality()));
            for (int[] b : List.of(new int[] {4, 8}, new int[] {4, 4})) {
                List<Row> at = rows.stream().filter(r -> r.model().equals(model) && r.weightBits() == b[0]
                        && r.activationBits() == b[1]).toList();
                if (at.isEmpty()) {
                    continue;
                }
                Row best = at.stream().max((p, q) -> Double.compare(p.quality(), q.quality())).get();
                Row worst = at.stream().min((p, q) -> Double.compare(p.quality(), q.quality())).get();
                double mm = at.stream().filter(r -> r.method().equals("min-max")).mapToDouble(Row::quality)
                        .findFirst().orElse(Double.NaN);
                sb.append(String.format(Locale.ROOT, " At w%da%d the best is %s (%.3f, %.0f%% of fp32), the worst %s "
                        + "(%.3f); min-max gives %.3f", b[0], b[1], best.method(), best.quality(),
                        100 * best.quality() / fp.quality(), worst.method(), worst.quality(), mm));
                for (String m : List.of("mse", "lapq")) {
                    at.stream().filter(r -> r.method().equals(m)).findFirst().ifPresent(r -> sb.append(String.format(
                            Locale.ROOT, ", %s %s it (%.3f)", m, r.quality() > mm ? "beats" : "does not beat",
                            r.quality())));
                }
                sb.append('.');
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** Quick mode shrinks everything so CI runs the notebook in a few minutes. */
    public static boolean quick() {
        return Labkit.quick();
    }
}
