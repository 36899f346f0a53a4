package labkit.tasks;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.L2Loss;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.function.Predicate;
import labkit.Labkit;
import labkit.data.NyuDepthV2;
import labkit.data.synthetic.DepthScenes;
import labkit.image.Colormap;
import labkit.models.DepthNet;
import labkit.plot.DepthPanels;
import labkit.train.Adam;
import labkit.train.Fit;
import labkit.train.History;
import labkit.train.ReduceLROnPlateau;
import labkit.train.SsimEvaluator;
import labkit.train.TrainingCurves;
import labkit.io.Downloads;
import labkit.weights.LoadReport;
import labkit.weights.PretrainedWeights;
import labkit.weights.StateDict;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;

/**
 * The course project: monocular depth estimation on NYU Depth v2 (or its offline synthetic stand-in) with
 * {@link DepthNet}. Trains one run per learning rate without augmentation, and one more with augmentation at the
 * middle learning rate (its no-augmentation twin is the middle learning-rate run), all with MSE, AdamW,
 * ReduceLROnPlateau on the validation loss and gradient-norm clipping; then scores every run on the test split
 * (MSE and SSIM of depth / max depth) and shows sample predictions.
 *
 * <pre>{@code
 * Path data = DepthProject.syntheticData(Path.of("data/nyu_synthetic"), 0);   // or the Kaggle nyu_data folder
 * try (DepthProject.Results r = DepthProject.study(data).build().run()) {
 *     show(r.chart("loss")); show(r.chart("ssim")); show(r.summary()); show(r.samples(4));
 * }
 * }</pre>
 */
public final class DepthProject {
    private DepthProject() {}

    /** Run names. */
    static String lrRun(double lr) {
        return String.format(Locale.ROOT, "lr %.0e", lr);
    }

    static String augRun(double lr) {
        return lrRun(lr) + " + augmentation";
    }

    /**
     * Writes the seeded synthetic depth set in the Kaggle layout under {@code root} and returns it: 60 rooms × 4
     * frames for training and 64 test images at 320×240, or 4 × 2 and 4 at 128×96 in quick mode.
     */
    public static Path syntheticData(Path root, long seed) {
        boolean quick = Labkit.quick();
        return DepthScenes.builder().trainScenes(quick ? 4 : 60).framesPerScene(quick ? 2 : 4)
                .testImages(quick ? 4 : 64).size(quick ? 128 : 320, quick ? 96 : 240).seed(seed).write(root);
    }

    /**
     * Puts torchvision's ImageNet EfficientNet-B0 weights into the backbone of an initialized {@link DepthNet}:
     * every {@code features.0} … {@code features.7} key, strictly by name and shape (BatchNorm eps 1e-5, momentum
     * 0.1); {@code features.8.*} (the 1280-channel conv the depth net does not use) and {@code classifier.*} are
     * ignored; the BiFPN and head keep their values. Downloads the file (20 MB, verified) or finds it in
     * PyTorch's cache; {@code Downloads.builder().offline(true)} never touches the network.
     *
     * @throws labkit.weights.WeightMismatchException listing missing, unexpected and wrongly shaped keys
     */
    public static LoadReport loadPretrainedBackbone(DepthNet net, Downloads downloads) throws IOException {
        return PretrainedWeights.EFFICIENTNET_B0.loadInto(net.features(), "features.", BACKBONE_SKIP, downloads);
    }

    /** The EfficientNet-B0 keys (without "features.") that {@link DepthNet}'s truncated backbone lacks. */
    public static final Predicate<String> BACKBONE_SKIP = k -> k.startsWith("8.");

    /** Starts a study on a {@code nyu_data} folder (the Kaggle download or {@link #syntheticData}). */
    public static Study study(Path nyuData) {
        return new Study(nyuData);
    }

    /** Trained runs: their histories, models (closed by {@link #close()}) and test scores. */
    public static final class Results implements AutoCloseable {
        private final Map<String, History> histories;
        private final Map<String, Model> models;
        private final Map<String, double[]> test;
        private final Map<String, double[]> settings;
        private final NyuDepthV2 testSet;
        private final NyuDepthV2 trainSet;

        Results(Map<String, History> histories, Map<String, Model> models, Map<String, double[]> test,
                Map<String, double[]> settings, NyuDepthV2 trainSet, NyuDepthV2 testSet) {
            this.trainSet = trainSet;
            this.histories = histories;
            this.models = models;
            this.test = test;
            this.settings = settings;
            this.testSet = testSet;
        }

        /** Histories by run name, in training order. */
        public Map<String, History> histories() {
            return histories;
        }

        /** The trained model of a run (owned by these results). */
        public Model model(String run) {
            Model m = models.get(run);
            if (m == null) {
                throw new IllegalArgumentException("no run '" + run + "'; runs: " + models.keySet());
            }
            return m;
        }

        /** The training rows (without augmentation), e.g. for PTQ calibration and QAT. */
        public NyuDepthV2 trainSet() {
            return trainSet;
        }

        /** The test rows every run was scored on. */
        public NyuDepthV2 testSet() {
            return testSet;
        }

        /**
         * The compression study ({@link DepthCompression}) of a run's model on these training and test rows;
         * set calibration batches and QAT epochs on it, then {@code run()}.
         */
        public DepthCompression compression(String run) {
            return DepthCompression.of(model(run), trainSet, testSet);
        }

        /** Run names, in training order. */
        public List<String> runs() {
            return new ArrayList<>(histories.keySet());
        }

        /** The run with the best test SSIM. */
        public String bestRun() {
            String best = null;
            for (Map.Entry<String, double[]> e : test.entrySet()) {
                if (best == null || e.getValue()[1] > test.get(best)[1]) {
                    best = e.getKey();
                }
            }
            return best;
        }

        /** One chart of every run's curves for a quantity ("loss", "ssim"): train solid, validation dashed. */
        public Figure chart(String quantity) {
            return TrainingCurves.compare(histories).chart(quantity);
        }

        /**
         * The results table: one row per run with its learning rate, augmentation, epochs, final train and
         * validation loss, best validation SSIM (and epoch), test MSE and test SSIM, and training seconds.
         */
        public Table summary() {
            StringColumn run = StringColumn.create("run");
            DoubleColumn lr = DoubleColumn.create("lr");
            StringColumn aug = StringColumn.create("augmentation");
            IntColumn epochs = IntColumn.create("epochs");
            DoubleColumn trainLoss = DoubleColumn.create("train_mse");
            DoubleColumn valLoss = DoubleColumn.create("val_mse");
            DoubleColumn bestSsim = DoubleColumn.create("best_val_ssim");
            IntColumn bestEpoch = IntColumn.create("best_epoch");
            DoubleColumn testMse = DoubleColumn.create("test_mse");
            DoubleColumn testSsim = DoubleColumn.create("test_ssim");
            DoubleColumn seconds = DoubleColumn.create("seconds");
            for (Map.Entry<String, History> e : histories.entrySet()) {
                History h = e.getValue();
                run.append(e.getKey());
                lr.append(settings.get(e.getKey())[0]);
                aug.append(settings.get(e.getKey())[1] > 0 ? "yes" : "no");
                epochs.append(h.size());
                trainLoss.append(round(h.last(History.TRAIN_LOSS)));
                valLoss.append(round(h.last(History.VAL_LOSS)));
                OptionalInt best = h.bestEpoch("val_ssim", false);
                bestEpoch.append(best.orElse(0));
                bestSsim.append(best.isPresent() ? round(h.column("val_ssim").get(best.getAsInt() - 1)) : Double.NaN);
                testMse.append(round(test.get(e.getKey())[0]));
                testSsim.append(round(test.get(e.getKey())[1]));
                seconds.append(Math.round(h.column(History.SECONDS).sum()));
            }
            return Table.create("Depth project — runs", run, lr, aug, epochs, trainLoss, valLoss, bestSsim, bestEpoch,
                    testMse, testSsim, seconds);
        }

        private static double round(double v) {
            return Math.round(v * 1e5) / 1e5;
        }

        /** Test MSE and SSIM of a run. */
        public double[] testScores(String run) {
            return test.get(run).clone();
        }

        /** The first {@code n} test images, their true depth and the best run's prediction, in viridis. */
        public BufferedImage samples(int n) {
            return samples(n, bestRun(), Colormap.viridis());
        }

        /** The first {@code n} test images with a run's predictions in a colormap. */
        public BufferedImage samples(int n, String run, Colormap colormap) {
            DepthPanels panels = new DepthPanels(colormap).heading("test images, truth and " + run + " (depth / "
                    + testSet.maxDepth() + " m, " + colormap.name() + ")");
            Model model = model(run);
            NyuDepthV2 plain = testSet;
            try (NDManager m = NDManager.newBaseManager()) {
                ParameterStore ps = new ParameterStore(m, false);
                for (int i = 0; i < Math.min(n, plain.size()); i++) {
                    try (NDManager sub = m.newSubManager()) {
                        NDArray x = plain.get(sub, i).getData().head().expandDims(0);
                        NDArray y = model.getBlock().forward(ps, new NDList(x), false).head();
                        NyuDepthV2.Preview p = plain.preview(i);
                        panels.add(p.rgb(), p.depth(), y.toFloatArray(), p.depthSize(), "test " + i);
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read a test sample: " + e.getMessage(), e);
            }
            return panels.render();
        }

        @Override
        public void close() {
            models.values().forEach(Model::close);
        }
    }

    /**
     * Settings (defaults: learning rates 3e-4, 1e-3, 3e-3; 10 epochs, or 1 in quick mode; batch 8; 224² images
     * and 56² depth; AdamW weight decay 0.01; gradient norm clipped at 1; ReduceLROnPlateau(val_loss, 0.5, 1);
     * 10% of the training rows for validation; max depth 10 m; seed 0; the last epoch with BatchNorm frozen).
     */
    public static final class Study {
        private final Path root;
        private double[] lrs = {3e-4, 1e-3, 3e-3};
        private int epochs = Labkit.quick() ? 1 : 10;
        private int batchSize = 8;
        private int imageSize = 224;
        private int trainImages = Labkit.quick() ? 8 : Integer.MAX_VALUE;
        private int testImages = Labkit.quick() ? 4 : Integer.MAX_VALUE;
        private double valFraction = 0.1;
        private float maxDepth = 10f;
        private int width = 64;
        private int repeats = 3;
        private double weightDecay = 0.01;
        private double clipGradNorm = 1.0;
        private double plateauFactor = 0.5;
        private int plateauPatience = 1;
        private boolean augmentationRun = true;
        private int frozenBnEpochs = 1;
        private long seed = 0;
        private Path checkpointRoot;
        private boolean progress = true;
        private Downloads backboneDownloads;
        private Path backboneFile;
        private LoadReport backboneReport;

        Study(Path root) {
            this.root = root;
        }

        /** The learning rates of the runs without augmentation (the middle one also gets an augmentation run). */
        public Study lrs(double... lrs) {
            if (lrs.length == 0) {
                throw new IllegalArgumentException("give at least one learning rate");
            }
            this.lrs = lrs.clone();
            return this;
        }
        public Study epochs(int e) { this.epochs = e; return this; }

        /**
         * Trains the last {@code n} epochs of every run with BatchNorm frozen (default 1; see
         * {@link Fit.Builder#freezeBatchNormLastEpochs}); a run always has at least one epoch with batch statistics,
         * so a 1-epoch run (quick mode) freezes none. Without it, a DepthNet trained from scratch on the synthetic
         * set (batch 8) explodes in evaluation mode on about 7% of its own training images (MSE up to 111 against
         * 0.01): depthwise BN channels with running variance ~2e-5 amplify small input differences 200-fold. One
         * frozen epoch removed that (test MSE 0.103 → 0.014) and with it the huge activation ranges that broke
         * post-training quantization. 0 trains every epoch with batch statistics.
         */
        public Study freezeBatchNormEpochs(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("freezeBatchNormEpochs must be >= 0, got " + n);
            }
            this.frozenBnEpochs = n;
            return this;
        }
        public Study batchSize(int b) { this.batchSize = b; return this; }
        /** Input side (a multiple of 32; the depth target is a quarter of it). */
        public Study imageSize(int s) { this.imageSize = s; return this; }
        /** Use at most this many training rows (seeded choice). */
        public Study trainImages(int n) { this.trainImages = n; return this; }
        /** Score on at most this many test rows. */
        public Study testImages(int n) { this.testImages = n; return this; }
        public Study valFraction(double f) { this.valFraction = f; return this; }
        public Study maxDepth(float m) { this.maxDepth = m; return this; }
        /** BiFPN width and repeats of the DepthNet (default 64, 3). */
        public Study model(int width, int repeats) { this.width = width; this.repeats = repeats; return this; }
        public Study weightDecay(double wd) { this.weightDecay = wd; return this; }
        public Study clipGradNorm(double c) { this.clipGradNorm = c; return this; }
        public Study plateau(double factor, int patience) {
            this.plateauFactor = factor;
            this.plateauPatience = patience;
            return this;
        }
        /** Whether to add the augmentation run (default true). */
        public Study augmentationRun(boolean on) { this.augmentationRun = on; return this; }
        public Study seed(long s) { this.seed = s; return this; }
        /** Keep per-epoch checkpoints under {@code root/<run>/}, so an interrupted study resumes. */
        public Study checkpointRoot(Path p) { this.checkpointRoot = p; return this; }
        public Study progress(boolean p) { this.progress = p; return this; }

        /**
         * Start every run from torchvision's ImageNet EfficientNet-B0 weights in the backbone (the course's
         * "pretrained backbone"), fetched through {@code downloads} (verified; PyTorch's cache is reused) — or from
         * random weights when {@code pretrained} is false (the default, fully offline).
         */
        public Study pretrainedBackbone(boolean pretrained, Downloads downloads) {
            this.backboneDownloads = pretrained ? Objects.requireNonNull(downloads, "downloads") : null;
            this.backboneFile = null;
            return this;
        }

        /** As {@link #pretrainedBackbone(boolean, Downloads)} with the standard downloads (~/.cache/labkit). */
        public Study pretrainedBackbone(boolean pretrained) {
            return pretrainedBackbone(pretrained, pretrained ? Downloads.standard() : null);
        }

        /**
         * Start every run's backbone from a local EfficientNet-B0 state dict ({@code torch.save(model.state_dict())}
         * of torchvision's {@code efficientnet_b0}, any file name); its {@code features.0}–{@code features.7} keys must
         * fit exactly, as {@link #loadPretrainedBackbone} checks.
         */
        public Study backboneWeights(Path stateDict) {
            this.backboneFile = Objects.requireNonNull(stateDict, "stateDict");
            this.backboneDownloads = null;
            return this;
        }

        /** What the last run's backbone loading reported (null when the backbone started from random weights). */
        public LoadReport backboneReport() {
            return backboneReport;
        }

        private void loadBackbone(DepthNet net, NDManager manager) {
            if (backboneDownloads == null && backboneFile == null) {
                return;
            }
            net.initialize(manager, DataType.FLOAT32, new Shape(1, 3, imageSize, imageSize));
            try {
                if (backboneFile != null) {
                    if (!Files.isRegularFile(backboneFile)) {
                        throw new IllegalArgumentException("backboneWeights: no file " + backboneFile.toAbsolutePath());
                    }
                    backboneReport = PretrainedWeights.EFFICIENTNET_B0.mapper("features.", BACKBONE_SKIP)
                            .apply(net.features(), StateDict.read(backboneFile), backboneFile.toString());
                } else {
                    backboneReport = loadPretrainedBackbone(net, backboneDownloads);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot load the pretrained backbone: " + e.getMessage(), e);
            }
        }

        /** Checks the settings. */
        public Study build() {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            }
            if (imageSize % 32 != 0 || imageSize < 64) {
                throw new IllegalArgumentException("imageSize must be a multiple of 32 and >= 64, got " + imageSize);
            }
            return this;
        }

        /** Trains every run and scores it on the test split. */
        public Results run() {
            build();
            NyuDepthV2 all;
            NyuDepthV2 testSet;
            try {
                all = NyuDepthV2.builder().root(root).split(NyuDepthV2.Split.TRAIN).maxDepth(maxDepth)
                        .imageSize(imageSize).depthSize(imageSize / 4).setSampling(batchSize, false).build()
                        .subset(trainImages, seed);
                testSet = NyuDepthV2.builder().root(root).split(NyuDepthV2.Split.TEST).maxDepth(maxDepth)
                        .imageSize(imageSize).depthSize(imageSize / 4).setSampling(batchSize, false).build()
                        .subset(testImages, seed);
            } catch (IOException e) {
                throw new UncheckedIOException(e.getMessage(), e);
            }
            NyuDepthV2.Parts parts = all.split(1 - valFraction, seed);
            NyuDepthV2 val = parts.validation().withAugment(null);
            Map<String, History> histories = new LinkedHashMap<>();
            Map<String, Model> models = new LinkedHashMap<>();
            Map<String, double[]> test = new LinkedHashMap<>();
            Map<String, double[]> settings = new LinkedHashMap<>();
            List<double[]> plan = new ArrayList<>();
            for (double lr : lrs) {
                plan.add(new double[] {lr, 0});
            }
            if (augmentationRun) {
                plan.add(new double[] {lrs[lrs.length / 2], 1});
            }
            try {
                for (double[] p : plan) {
                    boolean aug = p[1] > 0;
                    String name = aug ? augRun(p[0]) : lrRun(p[0]);
                    NyuDepthV2 train = parts.train().withAugment(aug ? NyuDepthV2.Augment.standard(seed) : null);
                    Model model = Model.newInstance(name);
                    models.put(name, model);
                    DepthNet net = DepthNet.builder().width(width).repeats(repeats).build();
                    model.setBlock(net);
                    loadBackbone(net, model.getNDManager());
                    if (progress && backboneReport != null) {
                        System.out.println("backbone: " + backboneReport.loaded().size()
                                + " pretrained EfficientNet-B0 tensors loaded");
                    }
                    ReduceLROnPlateau plateau = new ReduceLROnPlateau(History.VAL_LOSS, plateauFactor, plateauPatience);
                    Fit.Builder fb = Fit.builder(model, new L2Loss("mse", 1f)).name(name)
                            .optimizer(Adam.builder().lr(p[0]).weightDecay(weightDecay).decoupled().build())
                            .epochs(epochs).batchSize(batchSize).seed(seed).clipGradNorm(clipGradNorm)
                            .freezeBatchNormLastEpochs(Math.min(frozenBnEpochs, epochs - 1))
                            .metric(new SsimEvaluator(1.0)).lrSchedule(plateau).onEpochEnd(plateau::observe);
                    if (aug) {
                        fb.onEpochStart(e -> train.reseed(seed * 1000003L + e));
                    }
                    if (checkpointRoot != null) {
                        fb.checkpointDir(checkpointRoot.resolve(name.replaceAll("[^A-Za-z0-9.-]+", "_")));
                    }
                    if (!progress) {
                        fb.progress(null);
                    } else {
                        System.out.println("— " + name + " —");
                    }
                    try (Fit fit = fb.build()) {
                        histories.put(name, fit.fit(train, val));
                    }
                    test.put(name, evaluate(model, testSet));
                    settings.put(name, p);
                }
            } catch (RuntimeException e) {
                models.values().forEach(Model::close);
                throw e;
            }
            return new Results(histories, models, test, settings, parts.train().withAugment(null), testSet);
        }
    }

    /** Test MSE and SSIM (data range 1) of a model over a data set, in eval mode. */
    public static double[] evaluate(Model model, NyuDepthV2 data) {
        return evaluate(model.getBlock(), data);
    }

    /** Test MSE and SSIM (data range 1) of a block over a data set, in eval mode. */
    public static double[] evaluate(ai.djl.nn.Block block, NyuDepthV2 data) {
        try (NDManager m = NDManager.newBaseManager()) {
            ParameterStore ps = new ParameterStore(m, false);
            return Deployment.depthScores(x -> block.forward(ps, new NDList(x), false).head(), data);
        }
    }
}
