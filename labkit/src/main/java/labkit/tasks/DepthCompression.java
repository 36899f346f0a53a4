package labkit.tasks;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.loss.L2Loss;
import ai.djl.translate.TranslateException;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import java.nio.FloatBuffer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import labkit.Labkit;
import labkit.bench.Hardware;
import labkit.bench.Latency;
import labkit.bench.Quantiles;
import labkit.data.NyuDepthV2;
import labkit.io.FileTrees;
import labkit.export.OnnxExporter;
import labkit.export.OrtModel;
import labkit.export.QdqPlan;
import labkit.models.DepthNet;
import labkit.nn.DeQuantStub;
import labkit.nn.QuantStub;
import labkit.nn.Sequential;
import labkit.quant.BnFusion;
import labkit.quant.CrossLayerEqualization;
import labkit.quant.MinMaxObserver;
import labkit.nn.BlockTree;
import labkit.train.StateFile;
import ai.djl.nn.Parameter;
import java.util.Map;
import java.util.LinkedHashMap;
import labkit.quant.MovingAverageMinMaxObserver;
import labkit.quant.Ptq;
import labkit.quant.QConfig;
import labkit.quant.QScheme;
import labkit.quant.Qat;
import labkit.quant.QuantDType;
import labkit.quant.QuantizedModelFile;
import labkit.train.Adam;
import labkit.train.Fit;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The project's compression study: one trained {@link DepthNet} compressed eleven ways, each row scored on the test
 * split. Rows: original; BN-fused; per-channel PTQ (BN not fused: conv, BN and activation each re-quantized); BN-fused
 * + per-channel PTQ; the same with cross-layer equalization first; per-tensor PTQ; BN-fused + per-tensor PTQ; the same
 * with CLE; per-channel PTQ + QAT (the per-channel PTQ row's activation ranges, frozen, with the weights fine-tuned on
 * that grid); per-channel QAT; per-tensor QAT. Per-channel means PyTorch's fbgemm qconfig by default (histogram
 * activations with reduce_range, per-channel symmetric int8 weights; {@link #backend(String)} "onednn" keeps all 8
 * activation bits); per-tensor keeps the same activation observer and uses one symmetric int8 scale per weight tensor,
 * so the two differ only in the weights. The two QAT-only rows use the matching QAT observers (moving-average min/max),
 * whose ranges are frozen for the last epoch (torch's {@code disable_observer}). Every QAT row keeps BatchNorm live
 * with frozen running statistics ({@link Qat#prepareWithBatchNorm}, torch's QAT {@code ConvBn2d} after {@code
 * freeze_bn_stats}) and trains without stochastic depth. Both matter on the project's model: with BN folded before
 * QAT, per-channel PTQ + QAT ended below PTQ alone (and lower still with stochastic depth on, whose 1/(1-p) rescaling
 * in training pushes activations past the ranges evaluation uses); with live BN it ends above float, as float
 * fine-tuning with frozen BN does. Probably AdamW's per-weight steps suit the unfolded weights: folding scales each
 * channel's weights by its BN gain. CLE only applies to ReLU-family pairs
 * (conv → ReLU → conv after fusion); DepthNet uses SiLU throughout, so its {@code cle_pairs} column says how many pairs
 * CLE found and a row whose CLE found none is the row above it (same weights, same numbers), labelled so.
 *
 * <p>Columns: test MSE and SSIM (depth / max depth, data range 1), the SSIM change against the original, DJL latency
 * per image (batch 1, median of repeated runs on the stated CPU and threads; quantization here is <b>simulated</b>
 * in float32, so this is not int8 speed), the same row exported to ONNX (fp32, or static QDQ int8 with labkit's
 * qparams) and timed on ONNX Runtime (batch 1, 1 thread, all files interleaved: the real int8 speed), the model file
 * size (float32 parameters, or labkit's int8 file) and the ONNX file size.
 *
 * <pre>{@code
 * Table t = DepthCompression.of(results.model(best), results.trainSet(), results.testSet())
 *         .calibrationBatches(8).qatEpochs(2).run();
 * show(t); System.out.println(DepthCompression.analysis(t));
 * }</pre>
 */
public final class DepthCompression {
    /** Column with the latency, named so nobody reads it as int8 speed. */
    public static final String LATENCY = "djl_latency_ms (simulated quantization)";
    /** Column with each row's exported ONNX model (fp32, or static QDQ int8) timed on ONNX Runtime: real int8 speed. */
    public static final String ORT_LATENCY = "ort_latency_ms (real int8)";
    /** Column with the size of each row's ONNX file (int8 weights in the int8 rows). */
    public static final String ONNX_MB = "onnx_mb";
    /**
     * Column of the PTQ rows: the widest activation range (scale) over the median observer's. Tens or hundreds mean a
     * few inputs drive some activations far outside the typical range, and one per-tensor scale then rounds typical
     * values to a few int8 levels — the first thing to look at when PTQ loses much more than QAT.
     */
    public static final String ACT_RANGE = "widest_act_range_vs_median";

    /** From this {@link #ACT_RANGE} on, the analysis blames activation outliers for a PTQ loss. */
    static final double OUTLIER_RATIO = 20;

    private final DepthNet trained;
    private final NyuDepthV2 train;
    private final NyuDepthV2 test;
    private int calibrationBatches = Labkit.quick() ? 1 : 8;
    private int qatEpochs = Labkit.quick() ? 1 : 2;
    private int qatTrainImages = Labkit.quick() ? 4 : Integer.MAX_VALUE;
    private double qatLr = 1e-4;
    private int latencyRuns = Labkit.quick() ? 3 : 20;
    private long seed = 0;
    private String backend = "fbgemm";
    private Path workDir;
    private boolean progress = true;

    private DepthCompression(DepthNet trained, NyuDepthV2 train, NyuDepthV2 test) {
        this.trained = trained;
        this.train = train;
        this.test = test;
    }

    /**
     * A study of a trained DepthNet ({@code model.getBlock()} must be one), calibrating and fine-tuning on
     * {@code train} (its augmentation is switched off for calibration) and scoring on {@code test}.
     */
    public static DepthCompression of(Model model, NyuDepthV2 train, NyuDepthV2 test) {
        if (!(model.getBlock() instanceof DepthNet d) || !d.isInitialized()) {
            throw new IllegalArgumentException("DepthCompression needs a trained DepthNet model (model.getBlock() is "
                    + (model.getBlock() == null ? "null" : model.getBlock().getClass().getSimpleName())
                    + "); pass DepthProject.Results.model(run)");
        }
        return new DepthCompression(d, train, test);
    }

    /** Training batches the PTQ observers see (default 8, quick mode 1). */
    public DepthCompression calibrationBatches(int n) {
        this.calibrationBatches = atLeast1("calibrationBatches", n);
        return this;
    }

    /** QAT fine-tuning epochs (default 2, quick mode 1). */
    public DepthCompression qatEpochs(int n) {
        this.qatEpochs = atLeast1("qatEpochs", n);
        return this;
    }

    /** Use at most this many training rows for QAT (default all, quick mode 4). */
    public DepthCompression qatTrainImages(int n) {
        this.qatTrainImages = atLeast1("qatTrainImages", n);
        return this;
    }

    /** QAT learning rate (AdamW, default 1e-4: a tenth of the middle training rate). */
    public DepthCompression qatLr(double lr) {
        this.qatLr = lr;
        return this;
    }

    /** Timed forward passes per row after two warm-ups (default 20, quick mode 3); the median is reported. */
    public DepthCompression latencyRuns(int n) {
        this.latencyRuns = atLeast1("latencyRuns", n);
        return this;
    }

    public DepthCompression seed(long s) {
        this.seed = s;
        return this;
    }

    /**
     * Which PyTorch backend's observers the quantized rows use: {@code "fbgemm"} (default, PyTorch's x86 default:
     * activations on 0..127, reduce_range) or {@code "x86"} (the same), or {@code "onednn"} (activations on the
     * full 0..255). Weights are per-channel symmetric int8 in the per-channel rows, one symmetric scale per tensor in
     * the per-tensor rows, for every backend. fbgemm gives up one bit of every activation so its int8 kernels
     * cannot overflow 16-bit sums on CPUs without VNNI; labkit's simulation accumulates in int32, so "onednn" shows
     * what that bit costs.
     */
    public DepthCompression backend(String name) {
        this.backend = checkBackend(name);
        return this;
    }

    static String checkBackend(String name) {
        switch (String.valueOf(name)) {
            case "fbgemm": case "x86": case "onednn":
                return name;
            default:
                throw new IllegalArgumentException("backend must be fbgemm, x86 or onednn, got '" + name + "'"
                        + ("qnnpack".equals(name) ? " (qnnpack has no per-channel weights)" : ""));
        }
    }

    /** Print each row's name as it is scored (default true). */
    public DepthCompression progress(boolean p) {
        this.progress = p;
        return this;
    }

    /** Where model files are written to measure their size (default: a temporary folder, deleted after). */
    public DepthCompression workDir(Path dir) {
        this.workDir = dir;
        return this;
    }

    private static int atLeast1(String name, int v) {
        if (v < 1) {
            throw new IllegalArgumentException(name + " must be >= 1, got " + v);
        }
        return v;
    }

    /** The CPU and PyTorch thread counts the latency column was measured with ({@link Hardware#describeWithEngine()}). */
    public static String hardware() {
        return Hardware.describeWithEngine();
    }

    private record Row(String name, int clePairs, double mse, double ssim, double latencyMs, long bytes,
            double actRangeRatio, String widestAct, Path onnx) {
        Row(String name, int clePairs, double mse, double ssim, double latencyMs, long bytes) {
            this(name, clePairs, mse, ssim, latencyMs, bytes, Double.NaN, "", null);
        }

        /** This row with the ONNX file it was exported to (fp32, or static QDQ int8). */
        Row withOnnx(Path file) {
            return new Row(name, clePairs, mse, ssim, latencyMs, bytes, actRangeRatio, widestAct, file);
        }

        Row withActivations(Map<String, labkit.quant.QParams> acts) {
            if (acts.isEmpty()) {
                return this;
            }
            List<Map.Entry<String, labkit.quant.QParams>> e = new ArrayList<>(acts.entrySet());
            e.sort((a, b) -> Float.compare(a.getValue().scale()[0], b.getValue().scale()[0]));
            double median = e.get(e.size() / 2).getValue().scale()[0];
            Map.Entry<String, labkit.quant.QParams> widest = e.get(e.size() - 1);
            return new Row(name, clePairs, mse, ssim, latencyMs, bytes, widest.getValue().scale()[0] / median,
                    widest.getKey(), onnx);
        }
    }

    /** Runs every row and returns the table (title: hardware and threads). */
    public Table run() {
        Path dir = workDir;
        boolean temp = dir == null;
        try {
            dir = temp ? Files.createTempDirectory("depth-compression") : Files.createDirectories(dir);
            List<Row> rows = new ArrayList<>();
            Map<String, float[]> weights = weights(trained);
            rows.add(row("original", weights, dir, v -> { }));
            rows.add(row("BN-fused", weights, dir, v -> BnFusion.fuse(v.net)));
            for (boolean perChannel : new boolean[] {true, false}) {
                String kind = perChannel ? "per-channel PTQ" : "per-tensor PTQ";
                QConfig qc = perChannel ? QConfig.of(backend) : perTensor(backend);
                rows.add(ptqRow(kind, weights, dir, qc, false, null));
                Row fused = ptqRow("BN-fused + " + kind, weights, dir, qc, true, null);
                rows.add(fused);
                rows.add(ptqRow("BN-fused + CLE + " + kind, weights, dir, qc, true, fused));
            }
            QConfig qat = qat(backend);
            rows.add(qatRow("per-channel PTQ + QAT", weights, dir, qat, true));
            rows.add(qatRow("per-channel QAT", weights, dir, qat, false));
            rows.add(qatRow("per-tensor QAT", weights, dir, perTensorQat(backend), false));
            return table(rows, ortLatencies(rows));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write model files under " + dir + ": " + e.getMessage(), e);
        } finally {
            if (temp && dir != null) {
                FileTrees.deleteQuietly(dir);
            }
        }
    }

    /** The backend's QAT preset (fbgemm/x86 → fbgemm's, onednn → onednn's). */
    static QConfig qat(String backend) {
        return "onednn".equals(backend) ? QConfig.onednnQat() : QConfig.fbgemmQat();
    }

    /** The backend's activation observer with one symmetric int8 scale per weight tensor. */
    static QConfig perTensor(String backend) {
        return new QConfig("per-tensor", QConfig.of(backend).activation(), () -> MinMaxObserver.builder()
                .dtype(QuantDType.QINT8).qscheme(QScheme.PER_TENSOR_SYMMETRIC).build());
    }

    /** The backend's QAT activation observer with moving-average per-tensor symmetric int8 weights. */
    static QConfig perTensorQat(String backend) {
        return new QConfig("per-tensor_qat", qat(backend).activation(),
                () -> MovingAverageMinMaxObserver.builder().dtype(QuantDType.QINT8)
                        .qscheme(QScheme.PER_TENSOR_SYMMETRIC).quantRange(-128, 127).build());
    }

    /** A fresh quantizable copy: quant stub → DepthNet with the trained weights → dequant stub. */
    private final class Variant implements AutoCloseable {
        final NDManager manager = NDManager.newBaseManager();
        final Sequential model = new Sequential();
        // no stochastic depth: only QAT rows train, and there its 1/(1-p) rescaling of kept branches pushes
        // activations past the ranges that evaluation quantizes with (see the class comment)
        final DepthNet net = DepthNet.builder().width(trained.width()).repeats(trained.repeats()).stochasticDepth(0f)
                .build();

        Variant(Map<String, float[]> weights) {
            model.add("quant", new QuantStub());
            model.add("net", net);
            model.add("dequant", new DeQuantStub());
            model.initialize(manager, DataType.FLOAT32, new Shape(1, 3, test.imageSize(), test.imageSize()));
            Map<String, Parameter> mine = BlockTree.parameters(net);
            if (!mine.keySet().equals(weights.keySet())) {
                throw new IllegalStateException("the copy of the trained DepthNet has other parameters than it");
            }
            mine.forEach((name, p) -> p.getArray().set(weights.get(name)));
        }

        @Override
        public void close() {
            manager.close();
        }
    }

    private interface Edit {
        void apply(Variant v);
    }

    private static Map<String, float[]> weights(Block b) {
        Map<String, float[]> out = new LinkedHashMap<>();
        BlockTree.parameters(b).forEach((name, p) -> out.put(name, p.getArray().toFloatArray()));
        return out;
    }

    /** Writes every parameter as float32 (labkit's state file) and returns the file size in bytes. */
    private static long floatFile(Block b, Path file) throws IOException {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        BlockTree.parameters(b).forEach((name, p) -> arrays.put(name, p.getArray()));
        StateFile.write(file, arrays);
        return Files.size(file);
    }

    private Row row(String name, Map<String, float[]> weights, Path dir, Edit edit) {
        try (Variant v = new Variant(weights)) {
            edit.apply(v);
            long bytes;
            try {
                bytes = floatFile(v.net, dir.resolve(fileName(name) + ".params"));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + dir + ": " + e.getMessage(), e);
            }
            Path onnx = dir.resolve(fileName(name) + ".onnx");
            OnnxExporter.builder().build().export(v.model, inputShape(), onnx);
            return score(name, v.model, 0, bytes).withOnnx(onnx);
        }
    }

    private Shape inputShape() {
        return new Shape(1, 3, test.imageSize(), test.imageSize());
    }

    /** The converted model as a static QDQ int8 ONNX file (labkit's qparams), or null when it cannot be exported. */
    private Path exportInt8(String name, Block model, Ptq ptq, Path dir) {
        Path onnx = dir.resolve(fileName(name) + "_int8.onnx");
        try {
            OnnxExporter.builder().build().exportInt8(model, inputShape(), QdqPlan.of(ptq), onnx);
            return onnx;
        } catch (RuntimeException e) { // keep the study's other numbers; the row's ORT cells stay empty
            System.out.println("  " + name + ": no int8 ONNX export (" + e.getMessage() + ")");
            return null;
        }
    }

    /**
     * ONNX Runtime milliseconds per image of every row's ONNX file: batch 1 (test image 0), 1 intra-op thread, all
     * files in one interleaved loop ({@link #latencyRuns} rounds after 2 warm-up rounds), medians; keyed by file.
     */
    private Map<Path, Double> ortLatencies(List<Row> rows) {
        Map<Path, OrtModel> models = new LinkedHashMap<>();
        Map<Path, double[]> ms = new LinkedHashMap<>();
        float[] x;
        try (NDManager m = NDManager.newBaseManager()) {
            x = test.get(m, 0).getData().head().toFloatArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read test image 0: " + e.getMessage(), e);
        }
        try (OnnxTensor in = OnnxTensor.createTensor(OrtEnvironment.getEnvironment(), FloatBuffer.wrap(x),
                inputShape().getShape())) {
            for (Row r : rows) {
                if (r.onnx() != null && !models.containsKey(r.onnx())) {
                    models.put(r.onnx(), OrtModel.open(r.onnx(), 1));
                    ms.put(r.onnx(), new double[latencyRuns]);
                }
            }
            for (int i = -2; i < latencyRuns; i++) {
                for (Map.Entry<Path, OrtModel> e : models.entrySet()) {
                    long t0 = System.nanoTime();
                    e.getValue().runDiscard(in);
                    if (i >= 0) {
                        ms.get(e.getKey())[i] = (System.nanoTime() - t0) / 1e6;
                    }
                }
            }
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime could not take test image 0: " + e.getMessage(), e);
        } finally {
            models.values().forEach(OrtModel::close);
        }
        Map<Path, Double> out = new LinkedHashMap<>();
        ms.forEach((f, v) -> out.put(f, Quantiles.median(v)));
        return out;
    }

    /** A PTQ row; with {@code withoutCle} given, CLE runs first, and if it finds no pair that row is reused. */
    private Row ptqRow(String name, Map<String, float[]> weights, Path dir, QConfig qc, boolean fuse, Row withoutCle) {
        try (Variant v = new Variant(weights)) {
            int pairs = 0;
            if (fuse) {
                BnFusion.fuse(v.model);
            }
            if (withoutCle != null) {
                pairs = CrossLayerEqualization.equalize(v.model).pairs().size();
                if (pairs == 0) { // nothing changed: the same weights give the same quantized model
                    return new Row(name + " (no ReLU pairs: = row above)", 0, withoutCle.mse(), withoutCle.ssim(),
                            withoutCle.latencyMs(), withoutCle.bytes(), withoutCle.actRangeRatio(),
                            withoutCle.widestAct(), withoutCle.onnx());
                }
            }
            // Ptq.prepare fuses again (a no-op on a fused model); prepareUnfused keeps every BN
            Ptq ptq = fuse ? Ptq.prepare(v.model, qc) : Ptq.prepareUnfused(v.model, qc);
            try (NDManager data = v.manager.newSubManager()) {
                ptq.calibrate(train.withAugment(null).getData(data), calibrationBatches);
            } catch (IOException | TranslateException e) {
                throw new IllegalStateException("cannot read a calibration batch: " + e.getMessage(), e);
            }
            ptq.convert();
            long bytes = QuantizedModelFile.save(ptq, dir.resolve(fileName(name) + ".lkq"));
            return score(name, v.model, pairs, bytes).withActivations(ptq.activationQParams())
                    .withOnnx(exportInt8(name, v.model, ptq, dir));
        }
    }

    /**
     * A QAT row: live BN with frozen statistics (see the class comment for why not folded). With
     * {@code calibrateFirst}, the PTQ step comes first: the backend's PTQ observers (histogram) calibrate the
     * activation ranges, which are then frozen, so QAT fine-tunes the weights on PTQ's activation grid. Without it,
     * moving-average observers learn the ranges during training and are frozen for the last epoch (torch's
     * {@code disable_observer}), so the weights end adapted to the grid they are scored on.
     */
    private Row qatRow(String name, Map<String, float[]> weights, Path dir, QConfig qc, boolean calibrateFirst) {
        try (Variant v = new Variant(weights)) {
            Qat qat = Qat.prepareWithBatchNorm(v.model, calibrateFirst
                    ? new QConfig(qc.name() + "_on_ptq_ranges", QConfig.of(backend).activation(), qc.weight()) : qc);
            qat.freezeBatchNorm();
            if (calibrateFirst) {
                int n = 0;
                try (NDManager data = v.manager.newSubManager()) {
                    for (ai.djl.training.dataset.Batch b : train.withAugment(null).getData(data)) {
                        try (b) {
                            qat.calibrate(b.getData().head());
                        }
                        if (++n >= calibrationBatches) {
                            break;
                        }
                    }
                } catch (IOException | TranslateException e) {
                    throw new IllegalStateException("cannot read a calibration batch: " + e.getMessage(), e);
                }
                qat.freezeActivationRanges();
            }
            NyuDepthV2 qatTrain = train.withAugment(null).subset(qatTrainImages, seed);
            try (Model m = Model.newInstance("qat")) {
                m.setBlock(v.model);
                Fit.Builder fb = Fit.builder(m, new L2Loss("mse", 1f)).name(name)
                        .optimizer(Adam.builder().lr(qatLr).weightDecay(0.01).decoupled().build())
                        .epochs(qatEpochs).batchSize(batchSize(train)).seed(seed).clipGradNorm(1.0).progress(null)
                        .onEpochEnd(h -> {
                            if (!qat.activationRangesFrozen() && h.size() == qatEpochs - 1) {
                                qat.freezeActivationRanges();
                            }
                        });
                try (Fit fit = fb.build()) {
                    fit.fit(qatTrain);
                }
                qat.convert();
                long bytes = QuantizedModelFile.save(qat.state(), dir.resolve(fileName(name) + ".lkq"));
                return score(name, v.model, 0, bytes).withOnnx(exportInt8(name, v.model, qat.state(), dir));
            }
        }
    }

    private static int batchSize(NyuDepthV2 data) {
        try (NDManager m = NDManager.newBaseManager()) {
            for (ai.djl.training.dataset.Batch b : data.getData(m)) {
                try (b) {
                    return (int) b.getSize();
                }
            }
        } catch (IOException | TranslateException e) {
            throw new IllegalStateException("cannot read a training batch: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("the training set is empty");
    }

    private Row score(String name, Block model, int pairs, long bytes) {
        if (progress) {
            System.out.println("  " + name);
        }
        double[] s = DepthProject.evaluate(model, test);
        return new Row(name, pairs, s[0], s[1], latency(model), bytes);
    }

    /** Median milliseconds of one batch-1 forward pass (eval) over {@link #latencyRuns} runs after 2 warm-ups. */
    private double latency(Block model) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = test.get(m, 0).getData().head().expandDims(0);
            return Quantiles.median(Latency.runs(model, x, 2, latencyRuns));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read test image 0: " + e.getMessage(), e);
        }
    }

    private Table table(List<Row> rows, Map<Path, Double> ort) {
        StringColumn model = StringColumn.create("model");
        IntColumn pairs = IntColumn.create("cle_pairs");
        DoubleColumn mse = DoubleColumn.create("test_mse");
        DoubleColumn ssim = DoubleColumn.create("test_ssim");
        DoubleColumn dssim = DoubleColumn.create("ssim_vs_original");
        DoubleColumn lat = DoubleColumn.create(LATENCY);
        DoubleColumn mb = DoubleColumn.create("file_mb");
        DoubleColumn ortMs = DoubleColumn.create(ORT_LATENCY);
        DoubleColumn onnxMb = DoubleColumn.create(ONNX_MB);
        DoubleColumn ratio = DoubleColumn.create(ACT_RANGE);
        StringColumn widest = StringColumn.create("widest_activation");
        double ref = rows.get(0).ssim();
        for (Row r : rows) {
            model.append(r.name());
            pairs.append(r.clePairs());
            mse.append(round(r.mse(), 1e6));
            ssim.append(round(r.ssim(), 1e5));
            dssim.append(round(r.ssim() - ref, 1e5));
            lat.append(round(r.latencyMs(), 1e2));
            mb.append(round(r.bytes() / 1e6, 1e3));
            if (r.onnx() != null && ort.containsKey(r.onnx())) {
                ortMs.append(round(ort.get(r.onnx()), 1e2));
                onnxMb.append(round(sizeOf(r.onnx()) / 1e6, 1e3));
            } else {
                ortMs.appendMissing();
                onnxMb.appendMissing();
            }
            if (Double.isNaN(r.actRangeRatio())) {
                ratio.appendMissing();
            } else {
                ratio.append(round(r.actRangeRatio(), 1e1));
            }
            widest.append(r.widestAct());
        }
        return Table.create("DepthNet compression — " + test.size() + " test images at " + test.imageSize() + "², "
                + backend + " observers, " + calibrationBatches + " calibration batches, " + qatEpochs + " QAT epochs; latency: batch 1, median of "
                + latencyRuns + " on " + hardware() + "; ONNX Runtime: 1 thread, files interleaved", model, pairs, mse,
                ssim, dssim, lat, ortMs, mb, onnxMb, ratio, widest);
    }

    private static long sizeOf(Path f) {
        try {
            return Files.size(f);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the size of " + f, e);
        }
    }

    private static double round(double v, double scale) {
        return Math.round(v * scale) / scale;
    }

    private static String fileName(String row) {
        return row.replaceAll("[^A-Za-z0-9.-]+", "_");
    }

    /**
     * Sentences computed from a {@link #run()} table: the fp32 SSIM, how much per-channel and per-tensor PTQ lose,
     * whether BN fusion and CLE changed anything, how close QAT gets, the size ratio and the latency caveat; and
     * whether the course's bars (per-channel PTQ within 0.01 SSIM, QAT within 0.005) are met.
     */
    public static String analysis(Table t) {
        double ref = value(t, "original", "test_ssim");
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "The float32 model reaches test SSIM %.4f (MSE %.5f). ", ref,
                value(t, "original", "test_mse")));
        s.append(String.format(Locale.ROOT, "Folding BatchNorm changes SSIM by %+.5f (it is exact up to float "
                + "rounding). ", value(t, "BN-fused", "test_ssim") - ref));
        double pc = value(t, "BN-fused + per-channel PTQ", "test_ssim");
        double pcUnfused = value(t, "per-channel PTQ", "test_ssim");
        double pt = value(t, "BN-fused + per-tensor PTQ", "test_ssim");
        s.append(String.format(Locale.ROOT, "Per-channel PTQ on the fused model %s SSIM (%s the 0.01 bar); "
                + "without fusion it %s%s. ", loses(ref - pc), ref - pc <= 0.01 ? "within" : "outside",
                loses(ref - pcUnfused), pcUnfused < pc ? ", more: every BatchNorm output is rounded to int8 once more"
                        : " (no worse here: fusion saves a rounding step and a layer's time per BatchNorm, which need "
                        + "not show in SSIM)"));
        if (ref - pc > 0.01) {
            int row = rowIndex(t, "BN-fused + per-channel PTQ");
            double ratio = t.doubleColumn(ACT_RANGE).get(row);
            if (ratio >= OUTLIER_RATIO) {
                s.append(String.format(Locale.ROOT, "Why: the widest calibrated activation range (%s) is %.0f× the "
                        + "median observer's, so one scale per activation tensor leaves typical values only a few int8 "
                        + "levels; look for inputs that drive activations far outside the typical range (e.g. "
                        + "BatchNorm channels with near-zero running variance amplify small deviations in eval mode; "
                        + "training the last epoch with BatchNorm frozen, DepthProject.Study.freezeBatchNormEpochs, "
                        + "removes them). ", t.stringColumn("widest_activation").get(row), ratio));
            } else {
                s.append(String.format(Locale.ROOT, "No activation range stands out (the widest is %.1f× the median "
                        + "observer's), so the loss is int8 rounding itself: backend(\"onednn\") keeps the activation "
                        + "bit that fbgemm's reduce_range gives up, and more calibration batches steady the ranges. ",
                        ratio));
            }
        }
        s.append(String.format(Locale.ROOT, "With per-tensor weights the fused model %s, %s than per-channel. ",
                loses(ref - pt), ref - pt > ref - pc ? "more" : "no more"));
        int pairs = (int) value(t, "BN-fused + CLE + per-channel PTQ", "cle_pairs");
        if (pairs == 0) {
            s.append("Cross-layer equalization found no conv → ReLU → conv pairs (DepthNet uses SiLU, which is not "
                    + "positively homogeneous), so the CLE rows equal the rows without it. ");
        } else {
            s.append(String.format(Locale.ROOT, "CLE equalized %d pairs and moved per-tensor PTQ SSIM by %+.4f. ",
                    pairs, value(t, "BN-fused + CLE + per-tensor PTQ", "test_ssim") - pt));
        }
        double bestQat = Math.max(value(t, "per-channel PTQ + QAT", "test_ssim"),
                value(t, "per-channel QAT", "test_ssim"));
        double ptQat = value(t, "per-tensor QAT", "test_ssim");
        s.append(String.format(Locale.ROOT, "The better per-channel QAT row ends %s, %s the 0.005 bar; "
                + "per-tensor QAT ends %s%s. ", versusFloat(bestQat - ref), ref - bestQat <= 0.005 ? "within" : "outside",
                versusFloat(ptQat - ref), bestQat > ref || ptQat > ref
                        ? " (a row above float: its extra fine-tuning epochs helped the float weights too)" : ""));
        s.append(String.format(Locale.ROOT, "The int8 file is %.1f%% of the float32 file. ",
                100 * value(t, "BN-fused + per-channel PTQ", "file_mb") / value(t, "original", "file_mb")));
        s.append(String.format(Locale.ROOT, "In DJL the simulated-quantized model takes %.2f× the float model's "
                + "time per image: fake quantization adds work in float32; real int8 speed needs an int8 runtime.",
                value(t, "BN-fused + per-channel PTQ", LATENCY) / value(t, "original", LATENCY)));
        if (t.columnNames().contains(ORT_LATENCY)) {
            double fp = value(t, "original", ORT_LATENCY);
            double q = value(t, "BN-fused + per-channel PTQ", ORT_LATENCY);
            if (!Double.isNaN(fp) && !Double.isNaN(q)) {
                s.append(String.format(Locale.ROOT, " Exported and run on ONNX Runtime (1 thread), where every op has"
                        + " an int8 kernel, the same per-channel PTQ model takes %.2f ms against the float model's %.2f"
                        + " ms: %.2f× %s, in an ONNX file of %.2f MB against %.2f MB.", q, fp, q < fp ? fp / q : q / fp,
                        q < fp ? "faster" : "slower (this CPU's int8 kernels do not pay here)",
                        value(t, "BN-fused + per-channel PTQ", ONNX_MB), value(t, "original", ONNX_MB)));
            }
        }
        return s.toString();
    }

    private static int rowIndex(Table t, String row) {
        for (int i = 0; i < t.rowCount(); i++) {
            if (t.stringColumn("model").get(i).equals(row) || t.stringColumn("model").get(i).startsWith(row + " (")) {
                return i;
            }
        }
        throw new IllegalArgumentException("no row '" + row + "' in the compression table");
    }

    private static double value(Table t, String row, String column) {
        for (int i = 0; i < t.rowCount(); i++) {
            if (t.stringColumn("model").get(i).equals(row) || t.stringColumn("model").get(i).startsWith(row + " (")) {
                Object v = t.column(column).get(i);
                return v == null ? Double.NaN : ((Number) v).doubleValue();
            }
        }
        throw new IllegalArgumentException("no row '" + row + "' in the compression table");
    }

    /** "0.0123 SSIM below float" or "0.0123 SSIM above float (the extra training helped)". */
    /** "loses 0.0071" for a positive SSIM loss, "gains 0.0024" for a negative one. */
    private static String loses(double loss) {
        return loss < 0 ? String.format(Locale.ROOT, "gains %.4f", -loss)
                : String.format(Locale.ROOT, "loses %.4f", loss);
    }

    private static String versusFloat(double delta) {
        return delta < 0
                ? String.format(Locale.ROOT, "%.4f SSIM below float", -delta)
                : String.format(Locale.ROOT, "%.4f SSIM above float", delta);
    }
}
