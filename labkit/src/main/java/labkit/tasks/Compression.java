package labkit.tasks;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import labkit.Labkit;
import labkit.bench.Latency;
import labkit.compress.ChannelPruning;
import labkit.compress.ClusteredModelFile;
import labkit.compress.Distiller;
import labkit.compress.MagnitudePruning;
import labkit.compress.PruningSchedule;
import labkit.compress.Sparsity;
import labkit.compress.WeightClustering;
import labkit.data.ImageFolderDataset;
import labkit.models.StudentNet;
import labkit.models.Task1Cnn;
import labkit.nn.BlockTree;
import labkit.nn.Complexity;
import labkit.plot.Charts;
import labkit.train.Adam;
import labkit.train.Checkpoints;
import labkit.train.Fit;
import labkit.train.History;
import labkit.train.TrainingCurves;
import labkit.weights.StateDict;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.api.ScatterPlot;
import tech.tablesaw.plotly.components.Figure;

/**
 * The compression lecture in its own words, on the Task 1 data: <b>architecture design</b> (a depthwise-separable
 * student vs standard convolutions), <b>knowledge distillation</b> (a student taught by a trained teacher vs the
 * same student alone), <b>pruning</b> (unstructured magnitude pruning and structured channel pruning) and
 * <b>weight clustering</b>. Every method ends in a {@link Row} — accuracy, parameters, non-zero parameters, file
 * sizes, latency per image — so {@link #summary(List)} and {@link #sizeVsAccuracy(List)} compare them all.
 */
public final class Compression {
    private Compression() {}

    /** Image side of the Task 1 data. */
    public static final int IMAGE_SIZE = Task1.IMAGE_SIZE;

    /** Training settings shared by every run of the lecture (quick mode: 1 epoch everywhere). */
    public record Settings(int epochs, int fineTuneEpochs, int batchSize, double lr, long seed) {
        /** 8 epochs of training and 3 of fine-tuning (1 and 1 in quick mode), batch 32, Adam 1e-3, seed 0. */
        public static Settings defaults() {
            return Labkit.quick() ? new Settings(1, 1, 32, 1e-3, 0) : new Settings(8, 3, 32, 1e-3, 0);
        }

        public Settings epochs(int e) { return new Settings(e, fineTuneEpochs, batchSize, lr, seed); }
        public Settings fineTuneEpochs(int e) { return new Settings(epochs, e, batchSize, lr, seed); }
    }

    /**
     * Training and validation sets of 3×32×32 normalised images without augmentation (the Task 1 images, or a real
     * set such as {@link Task1#fashionMnist} or CIFAR-10) and the class names.
     */
    public record Data(RandomAccessDataset train, RandomAccessDataset validation, List<String> classes) {}

    /**
     * Generates (once) the Task 1 synthetic data under {@code root} and splits it 80/20 with {@code seed}; in quick
     * mode only 64 training and 32 validation images are used, so every method runs in seconds.
     */
    public static Data data(Path root, long seed) {
        ImageFolderDataset all = Task1.dataset(Task1.syntheticData(root));
        ImageFolderDataset.Split s = all.split(0.8, seed);
        ImageFolderDataset train = s.train();
        ImageFolderDataset val = s.validation();
        if (Labkit.quick()) {
            train = train.subset(Math.min(64, (int) train.size()), seed);
            val = val.subset(Math.min(32, (int) val.size()), seed);
        }
        return new Data(train.withTransform(Task1.evalTransform()), val.withTransform(Task1.evalTransform()),
                all.classes());
    }

    /** The data sets the notebook's {@code dataset} switch can name. */
    public static final List<String> DATASETS = List.of("shapes", "fashion-mnist", "cifar10");

    /**
     * The lecture's data by name: {@code "shapes"} ({@link #data(Path, long)}, generated offline under
     * {@code root}), {@code "fashion-mnist"} (Debian's {@code dataset-fashion-mnist}, grey clothing photos padded to
     * 32×32) or {@code "cifar10"} (fetched once, 170 MB, MD5-checked, into {@code ~/.cache/labkit}; with
     * {@code LABKIT_OFFLINE=1} an error names the file and folder). Real sets use the first 12,000 training and
     * 2,000 test images (quick mode: 64 and 32).
     */
    public static Data data(String dataset, Path root, long seed) {
        int nTrain = Labkit.quick() ? 64 : 12000;
        int nVal = Labkit.quick() ? 32 : 2000;
        try {
            switch (dataset) {
                case "shapes":
                    return data(root, seed);
                case "fashion-mnist": {
                    Path folder = labkit.data.FashionMnist.locate().orElseThrow(() -> new IllegalArgumentException(
                            "Fashion-MNIST not found: install Debian's dataset-fashion-mnist (fills "
                            + labkit.data.FashionMnist.DEBIAN_FOLDER + ") or set LABKIT_FASHION_MNIST"));
                    return new Data(Task1.fashionMnist(folder, true, nTrain), Task1.fashionMnist(folder, false, nVal),
                            labkit.data.FashionMnist.CLASSES);
                }
                case "cifar10": {
                    Path folder = labkit.data.Cifar10.fetch(labkit.io.Downloads.standard());
                    RandomAccessDataset train = labkit.data.Cifar10.builder().folder(folder).train(true)
                            .transform(Task1.evalTransform()).setSampling(32, true).build().subDataset(0, nTrain);
                    RandomAccessDataset val = labkit.data.Cifar10.builder().folder(folder).train(false)
                            .transform(Task1.evalTransform()).setSampling(32, false).build().subDataset(0, nVal);
                    return new Data(train, val, labkit.data.Cifar10.CLASSES);
                }
                default:
                    throw new IllegalArgumentException("unknown dataset '" + dataset + "'; use one of " + DATASETS);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** A trained network in its own DJL {@link Model} (close it when done) with its training history. */
    public record Trained(String name, Model model, History history) implements AutoCloseable {
        public Block block() { return model.getBlock(); }

        @Override
        public void close() {
            model.close();
        }
    }

    /**
     * One line of the final comparison. {@code latencyVsBaseline} is this network's time per image divided by the
     * Task 1 CNN's, both timed in the same interleaved run (robust on a shared machine, unlike {@code msPerImage}).
     */
    public record Row(String method, double accuracy, long parameters, long nonZero, long macs, double pthKb,
            double compressedKb, double msPerImage, double latencyVsBaseline) {}

    // ---- architecture ------------------------------------------------------------------------------------

    /**
     * Parameters and multiply-adds per 32×32 image of the depthwise-separable {@link StudentNet}, the standard-
     * convolution network of the same widths and the Task 1 CNN, for each width multiplier.
     */
    public static Table architectures(int base, int classes, double... widthMults) {
        StringColumn name = StringColumn.create("network");
        LongColumn params = LongColumn.create("parameters");
        LongColumn macs = LongColumn.create("MACs");
        DoubleColumn ratio = DoubleColumn.create("parameters vs standard");
        try (NDManager m = NDManager.newBaseManager()) {
            Shape in = new Shape(1, 3, IMAGE_SIZE, IMAGE_SIZE);
            for (double wm : widthMults) {
                Block sep = new StudentNet(base, wm, classes);
                Block std = StudentNet.standard(base, wm, classes);
                sep.initialize(m, DataType.FLOAT32, in);
                std.initialize(m, DataType.FLOAT32, in);
                Complexity a = Complexity.of(sep);
                Complexity b = Complexity.of(std);
                name.append("StudentNet(" + base + ", " + wm + ") depthwise-separable");
                params.append(a.parameters());
                macs.append(a.macs());
                ratio.append(Math.round(a.parameters() * 1000.0 / b.parameters()) / 1000.0);
                name.append("same widths, standard 3×3 convs");
                params.append(b.parameters());
                macs.append(b.macs());
                ratio.append(1.0);
            }
            Block cnn = Task1Cnn.create(classes, IMAGE_SIZE);
            cnn.initialize(m, DataType.FLOAT32, in);
            Complexity c = Complexity.of(cnn);
            name.append("Task 1 CNN (teacher)");
            params.append(c.parameters());
            macs.append(c.macs());
            ratio.append(Double.NaN);
        }
        return Table.create("architecture design: parameters and multiply-adds per image", name, params, macs, ratio);
    }

    // ---- training ----------------------------------------------------------------------------------------

    /** Trains {@code block} from scratch on the data with cross-entropy (the baseline and the teacher). */
    public static Trained train(String name, Block block, Data data, Settings s, boolean progress) {
        Model model = Model.newInstance(name);
        model.setBlock(block);
        Fit.Builder fb = fitBuilder(model, Loss.softmaxCrossEntropyLoss(), s, s.epochs(), progress).name(name);
        try (Fit fit = fb.build()) {
            return new Trained(name, model, fit.fit(data.train(), data.validation()));
        }
    }

    /** The Task 1 CNN trained as the teacher (and the uncompressed baseline). */
    public static Trained teacher(Data data, Settings s) {
        return train("teacher (Task 1 CNN)", Task1Cnn.create(data.classes().size(), IMAGE_SIZE), data, s, true);
    }

    private static Fit.Builder fitBuilder(Model model, Loss loss, Settings s, int epochs, boolean progress) {
        return Fit.builder(model, loss).optimizer(Adam.of(s.lr())).epochs(epochs).batchSize(s.batchSize())
                .seed(s.seed()).metric(new Accuracy()).progress(progress ? System.out : null);
    }

    /** A fresh copy of a trained network: same architecture from {@code architecture}, the trained weights copied. */
    public static Model copy(Trained trained, Supplier<Block> architecture, String name) {
        Model model = Model.newInstance(name);
        Block b = architecture.get();
        model.setBlock(b);
        b.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, IMAGE_SIZE, IMAGE_SIZE));
        Checkpoints.loadWeights(b, Checkpoints.weights(trained.block()), Path.of(trained.name()));
        return model;
    }

    private static Supplier<Block> task1(Data data) {
        return () -> Task1Cnn.create(data.classes().size(), IMAGE_SIZE);
    }

    // ---- knowledge distillation --------------------------------------------------------------------------

    /** Both students' histories (without and with the teacher) and their rows. */
    public record Distillation(Map<String, History> histories, List<Row> rows) {
        /** Train (solid) and validation (dashed) curves of both runs for "loss" or "accuracy". */
        public Figure chart(String quantity) {
            return TrainingCurves.compare(histories).chart(quantity);
        }
    }

    /**
     * Trains {@code student} twice with the same seed, data and epochs: on the labels alone, then distilled from
     * {@code teacher} (temperature, alpha), and measures both.
     */
    public static Distillation distillation(Trained teacher, Supplier<Block> student, Data data, Settings s,
            double temperature, double alpha) {
        return distillation(teacher, student, data, s, temperature, alpha, true);
    }

    /** As above; {@code alsoAlone} false trains only the distilled student (one row, no comparison run). */
    public static Distillation distillation(Trained teacher, Supplier<Block> student, Data data, Settings s,
            double temperature, double alpha, boolean alsoAlone) {
        Map<String, History> h = new LinkedHashMap<>();
        List<Row> rows = new ArrayList<>();
        if (alsoAlone) {
            try (Trained alone = train("student alone", student.get(), data, s, true)) {
                h.put("student alone", alone.history());
                rows.add(measure("student alone", alone.block(), data));
            }
        }
        try (Distiller kd = Distiller.builder(teacher.block(), student.get()).temperature(temperature).alpha(alpha)
                .build();
                Fit fit = fitBuilder(kd.model(), kd.loss(), s, s.epochs(), true).name("student + KD").build()) {
            h.put("student + KD", fit.fit(data.train(), data.validation()));
            rows.add(measure(String.format("student + KD (T=%s, α=%s)", temperature, alpha), kd.student(), data));
        }
        return new Distillation(h, rows);
    }

    // ---- unstructured pruning ----------------------------------------------------------------------------

    /** Accuracy vs sparsity, and the row of the most pruned, fine-tuned network. */
    public record SparsityCurve(Table table, Row row, Table perLayer) {
        public Figure chart() {
            return Charts.lines("unstructured pruning: accuracy vs sparsity", table, "sparsity",
                    "accuracy (pruned)", "accuracy (fine-tuned)");
        }
    }

    /**
     * Global magnitude pruning of copies of the trained network at each sparsity, accuracy right after pruning and
     * after fine-tuning with the masks held; the last sparsity's network is instead pruned gradually (Zhu &amp; Gupta,
     * from half the target to the target over the fine-tuning epochs) and is the one reported in the row and
     * per-layer table.
     */
    public static SparsityCurve sparsityCurve(Trained trained, Data data, Settings s, double... sparsities) {
        DoubleColumn sp = DoubleColumn.create("sparsity");
        DoubleColumn pruned = DoubleColumn.create("accuracy (pruned)");
        DoubleColumn tuned = DoubleColumn.create("accuracy (fine-tuned)");
        Row row = null;
        Table perLayer = null;
        for (int i = 0; i < sparsities.length; i++) {
            double target = sparsities[i];
            boolean last = i == sparsities.length - 1;
            try (Model m = copy(trained, task1(data), "pruned")) {
                MagnitudePruning p = MagnitudePruning.global(m.getBlock(), target);
                sp.append(target);
                pruned.append(accuracy(m.getBlock(), data.validation()));
                p.remove();
                if (last) {
                    // the final network: gradual pruning from the trained weights, 0 → target over the fine-tune epochs
                    Checkpoints.loadWeights(m.getBlock(), Checkpoints.weights(trained.block()), Path.of(trained.name()));
                    int epochs = Math.max(1, s.fineTuneEpochs());
                    p = MagnitudePruning.builder().global(true)
                            .schedule(PruningSchedule.polynomialDecay(target / 2, target, 0, epochs - 1))
                            .build(m.getBlock());
                } else {
                    p = MagnitudePruning.global(m.getBlock(), target);
                }
                try (Fit fit = p.attach(fitBuilder(m, Loss.softmaxCrossEntropyLoss(), s,
                        Math.max(1, s.fineTuneEpochs()), false)).build()) {
                    fit.fit(data.train());
                }
                p.remove();
                tuned.append(accuracy(m.getBlock(), data.validation()));
                if (last) {
                    row = measure(String.format("unstructured pruning %.0f%% (gradual)", target * 100), m.getBlock(), data);
                    perLayer = Sparsity.table(m.getBlock());
                }
            }
        }
        return new SparsityCurve(Table.create("accuracy vs sparsity (global magnitude pruning)", sp, pruned, tuned), row,
                perLayer);
    }

    // ---- structured pruning ------------------------------------------------------------------------------

    /** Accuracy and latency vs kept channels, and the row of the smallest fine-tuned network. */
    public record ChannelCurve(Table table, Row row) {
        public Figure accuracyChart() {
            return Charts.lines("structured pruning: accuracy vs channels kept", table, "kept",
                    "accuracy (pruned)", "accuracy (fine-tuned)");
        }

        public Figure latencyChart() {
            return Charts.lines("structured pruning: latency vs channels kept", table, "kept", "ms/image");
        }
    }

    /**
     * Channel pruning by BatchNorm scale of the trained network at each keep fraction (1.0 = the original): a
     * smaller network is built, evaluated, fine-tuned and evaluated again; latency per image (batch 1) of all of
     * them is measured in one interleaved run.
     */
    public static ChannelCurve channelCurve(Trained trained, Data data, Settings s, double... keeps) {
        DoubleColumn kept = DoubleColumn.create("kept");
        LongColumn params = LongColumn.create("parameters");
        LongColumn macs = LongColumn.create("MACs");
        DoubleColumn pruned = DoubleColumn.create("accuracy (pruned)");
        DoubleColumn tuned = DoubleColumn.create("accuracy (fine-tuned)");
        Map<String, Block> nets = new LinkedHashMap<>();
        List<Model> models = new ArrayList<>();
        Row row = null;
        try {
            for (double k : keeps) {
                Model m = Model.newInstance("keep-" + k);
                models.add(m);
                Block small = ChannelPruning.of(trained.block()).keep(k).prune(m.getNDManager());
                m.setBlock(small);
                kept.append(k);
                Complexity c = Complexity.of(small);
                params.append(c.parameters());
                macs.append(c.macs());
                pruned.append(accuracy(small, data.validation()));
                if (k < 1) {
                    try (Fit fit = fitBuilder(m, Loss.softmaxCrossEntropyLoss(), s, s.fineTuneEpochs(), false).build()) {
                        fit.fit(data.train());
                    }
                }
                tuned.append(accuracy(small, data.validation()));
                nets.put(String.valueOf(k), small);
            }
            Map<String, Double> ms = Latency.interleaved(nets, new Shape(1, 3, IMAGE_SIZE, IMAGE_SIZE),
                    Labkit.quick() ? 3 : 7, Labkit.quick() ? 5 : 30);
            DoubleColumn lat = DoubleColumn.create("ms/image");
            ms.values().forEach(v -> lat.append(Math.round(v * 1000) / 1000.0));
            DoubleColumn speed = DoubleColumn.create("speed-up");
            Double ref = ms.get("1.0");
            ms.values().forEach(v -> speed.append(ref == null ? Double.NaN : Math.round(ref / v * 100) / 100.0));
            Table t = Table.create("structured pruning by BatchNorm scale", kept, params, macs, pruned, tuned, lat, speed);
            int smallest = 0;
            for (int i = 0; i < keeps.length; i++) {
                if (keeps[i] < keeps[smallest]) {
                    smallest = i;
                }
            }
            Block b = models.get(smallest).getBlock();
            row = measure(String.format("channel pruning, keep %.0f%%", keeps[smallest] * 100), b, data);
            return new ChannelCurve(t, row);
        } finally {
            models.forEach(Model::close);
        }
    }

    // ---- weight clustering -------------------------------------------------------------------------------

    /** Accuracy and file size per k, and the rows of every clustered, fine-tuned network. */
    public record ClusteringResult(Table table, List<Row> rows) {}

    /**
     * Clusters copies of the trained network's conv/linear weights with each k (linear initialisation), fine-tunes
     * the centroids, writes the compact file and reports its size against the fp32 {@code .pth} file.
     */
    public static ClusteringResult clustering(Trained trained, Data data, Settings s, Path outDir, int... ks) {
        IntColumn kc = IntColumn.create("k");
        IntColumn bits = IntColumn.create("index bits");
        DoubleColumn before = DoubleColumn.create("accuracy (clustered)");
        DoubleColumn after = DoubleColumn.create("accuracy (fine-tuned)");
        IntColumn distinct = IntColumn.create("max distinct values per layer");
        DoubleColumn kb = DoubleColumn.create("clustered file KB");
        DoubleColumn pth = DoubleColumn.create("fp32 .pth KB");
        DoubleColumn ratio = DoubleColumn.create("size ratio");
        List<Row> rows = new ArrayList<>();
        for (int k : ks) {
            try (Model m = copy(trained, task1(data), "clustered-" + k)) {
                WeightClustering c = WeightClustering.of(m.getBlock(), k);
                before.append(accuracy(m.getBlock(), data.validation()));
                try (Fit fit = c.attach(fitBuilder(m, Loss.softmaxCrossEntropyLoss(), s, s.fineTuneEpochs(), false))
                        .build()) {
                    fit.fit(data.train());
                }
                after.append(accuracy(m.getBlock(), data.validation()));
                distinct.append((int) c.distinctValues().intColumn("distinct_values").max());
                Path file = outDir.resolve("task1-cnn-k" + k + ".lkc");
                long size = ClusteredModelFile.write(m.getBlock(), file);
                double pthKb = pthKb(m.getBlock());
                kc.append(k);
                bits.append(32 - Integer.numberOfLeadingZeros(k - 1));
                kb.append(Math.round(size / 102.4) / 10.0);
                pth.append(pthKb);
                ratio.append(Math.round(pthKb * 1024 / size * 10) / 10.0);
                Row r = measure("weight clustering k=" + k, m.getBlock(), data);
                rows.add(new Row(r.method(), r.accuracy(), r.parameters(), r.nonZero(), r.macs(), r.pthKb(),
                        Math.round(size / 102.4) / 10.0, r.msPerImage(), r.latencyVsBaseline()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the clustered model to " + outDir, e);
            }
        }
        return new ClusteringResult(Table.create("weight clustering", kc, bits, before, after, distinct, kb, pth, ratio),
                rows);
    }

    // ---- measuring and comparing -------------------------------------------------------------------------

    /**
     * Measures a network: validation accuracy, trainable parameters, non-zero parameters, MACs per image, the fp32
     * {@code .pth} size, the deflate-compressed {@code .pth} size (zeros compress) and the latency per image at
     * batch 1, timed interleaved with a Task 1 CNN of the data's classes (the baseline architecture; its weights do
     * not matter for speed).
     */
    public static Row measure(String method, Block block, Data data) {
        Complexity c = Complexity.of(block);
        double pthKb = pthKb(block);
        double zipKb = zippedPthKb(block);
        Map<String, Double> ms;
        try (NDManager m = NDManager.newBaseManager()) {
            Block reference = Task1Cnn.create(data.classes().size(), IMAGE_SIZE);
            reference.initialize(m, DataType.FLOAT32, new Shape(1, 3, IMAGE_SIZE, IMAGE_SIZE));
            Map<String, Block> nets = new LinkedHashMap<>();
            nets.put("this", block);
            nets.put("baseline", reference);
            ms = Latency.interleaved(nets, new Shape(1, 3, IMAGE_SIZE, IMAGE_SIZE), Labkit.quick() ? 3 : 7,
                    Labkit.quick() ? 5 : 20);
        }
        double t = ms.get("this");
        return new Row(method, accuracy(block, data.validation()), c.parameters(), Sparsity.nonZeroParameters(block),
                c.macs(), pthKb, zipKb, Math.round(t * 1000) / 1000.0,
                Math.round(t / ms.get("baseline") * 100) / 100.0);
    }

    /** The comparison table of all methods. */
    public static Table summary(List<Row> rows) {
        StringColumn method = StringColumn.create("method");
        DoubleColumn acc = DoubleColumn.create("accuracy");
        LongColumn params = LongColumn.create("parameters");
        LongColumn nz = LongColumn.create("non-zero parameters");
        LongColumn macs = LongColumn.create("MACs");
        DoubleColumn pth = DoubleColumn.create("fp32 .pth KB");
        DoubleColumn comp = DoubleColumn.create("compressed KB");
        DoubleColumn ms = DoubleColumn.create("ms/image");
        DoubleColumn rel = DoubleColumn.create("latency × baseline");
        for (Row r : rows) {
            method.append(r.method());
            acc.append(Math.round(r.accuracy() * 1000) / 1000.0);
            params.append(r.parameters());
            nz.append(r.nonZero());
            macs.append(r.macs());
            pth.append(r.pthKb());
            comp.append(r.compressedKb());
            ms.append(r.msPerImage());
            rel.append(r.latencyVsBaseline());
        }
        return Table.create("compression methods on the Task 1 data", method, acc, params, nz, macs, pth, comp, ms,
                rel);
    }

    /** Compressed file size (x) against validation accuracy (y), one point per method. */
    public static Figure sizeVsAccuracy(List<Row> rows) {
        Table t = summary(rows);
        Figure f = ScatterPlot.create("size vs accuracy (compressed file)", t, "compressed KB", "accuracy", "method");
        return new Figure(Charts.layout("size vs accuracy", "compressed file size (KB)", "validation accuracy"),
                f.getTraces());
    }

    /**
     * One sentence per method, computed from the rows (the first row is the uncompressed baseline): accuracy change,
     * how much smaller its compressed file is, and how its latency compares.
     */
    public static List<String> findings(List<Row> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no rows: measure the baseline first");
        }
        Row base = rows.get(0);
        List<String> out = new ArrayList<>();
        for (Row r : rows.subList(1, rows.size())) {
            out.add(String.format(java.util.Locale.ROOT,
                    "%s: accuracy %.3f (%+.3f vs the baseline), %,d non-zero parameters (%.1f× fewer), compressed file"
                    + " %.1f KB (%.1f× smaller), %.2f× the baseline's latency per image (timed interleaved).",
                    r.method(), r.accuracy(), r.accuracy() - base.accuracy(), r.nonZero(),
                    base.nonZero() / (double) Math.max(1, r.nonZero()), r.compressedKb(),
                    base.compressedKb() / r.compressedKb(), r.latencyVsBaseline() / base.latencyVsBaseline()));
        }
        return out;
    }

    /** Top-1 accuracy of {@code block} (inference mode) on {@code data}. */
    public static double accuracy(Block block, RandomAccessDataset data) {
        long correct = 0;
        long total = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            for (Batch b : data.getData(m)) {
                try (b) {
                    NDArray logits = block.forward(ps, b.getData(), false).head();
                    NDArray pred = logits.argMax(1).toType(DataType.INT64, false);
                    NDArray y = b.getLabels().head().toType(DataType.INT64, false).reshape(-1);
                    correct += pred.eq(y).sum().getLong();
                    total += y.size();
                }
            }
        } catch (IOException | TranslateException e) {
            throw new IllegalStateException("cannot read the evaluation data: " + e.getMessage(), e);
        }
        return total == 0 ? Double.NaN : correct / (double) total;
    }

    private static double pthKb(Block block) {
        try {
            Path tmp = Files.createTempFile("labkit-", ".pth");
            try {
                StateDict.of(block).write(tmp);
                return Math.round(Files.size(tmp) / 102.4) / 10.0;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a temporary .pth file: " + e.getMessage(), e);
        }
    }

    private static double zippedPthKb(Block block) {
        try {
            Path tmp = Files.createTempFile("labkit-", ".pth");
            try {
                StateDict.of(block).write(tmp);
                ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
                try (DeflaterOutputStream out = new DeflaterOutputStream(bytes, d)) {
                    out.write(Files.readAllBytes(tmp));
                } finally {
                    d.end();
                }
                return Math.round(bytes.size() / 102.4) / 10.0;
            } finally {
                Files.deleteIfExists(tmp);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write a temporary .pth file: " + e.getMessage(), e);
        }
    }

    /** Parameter count of a block (trainable). */
    public static long parameters(Block block) {
        return BlockTree.countParameters(block);
    }
}
