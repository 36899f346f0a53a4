package labkit.train;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.BatchSampler;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.training.evaluator.Evaluator;
import ai.djl.training.loss.Loss;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import labkit.EpochAware;
import labkit.Seedable;
import labkit.nn.BlockTree;

/**
 * A training loop on DJL's {@link Trainer} that students can watch and trust: a progress bar per epoch, a
 * {@link History} table (train/validation loss and metrics, learning rate, seconds), learning-rate schedules,
 * gradient-norm clipping, early stopping and checkpoints after every epoch that resume <em>exactly</em>: a run
 * interrupted after epoch k and started again with the same settings ends with the same weights and history as
 * an uninterrupted run. That works because everything random is a function of (seed, epoch): the data order
 * ({@link SeededSampler}), dropout (the engine is re-seeded each epoch), the augmentation of a training dataset
 * that is {@link Seedable} (reseeded each epoch)
 * and the learning rate, and because the
 * optimizer's buffers are saved ({@link StatefulOptimizer}).
 *
 * <pre>{@code
 * History h = Fit.builder(model, Loss.softmaxCrossEntropyLoss())
 *         .optimizer(Adam.of(1e-3)).epochs(10).batchSize(64).metric(new Accuracy())
 *         .checkpointDir(Path.of("runs/task2")).build()
 *         .fit(trainSet, valSet);
 * }</pre>
 */
public final class Fit implements AutoCloseable {
    private final Builder b;
    private final Model model;
    private final boolean ownsModel;
    private History history;
    private boolean stoppedEarly;

    private Fit(Builder b) {
        this.b = b;
        if (b.model != null) {
            this.model = b.model;
            this.ownsModel = false;
        } else {
            this.model = Model.newInstance(b.name);
            this.model.setBlock(b.block);
            this.ownsModel = true;
        }
    }

    /** A fit of {@code block} (wrapped in a new DJL {@link Model} that {@link #close()} closes) with {@code loss}. */
    public static Builder builder(Block block, Loss loss) {
        Builder b = new Builder(loss);
        b.block = block;
        return b;
    }

    /** A fit of an existing DJL {@link Model} (the caller keeps and closes it) with {@code loss}. */
    public static Builder builder(Model model, Loss loss) {
        Builder b = new Builder(loss);
        b.model = model;
        b.block = model.getBlock();
        return b;
    }

    /** The model being trained. */
    public Model model() {
        return model;
    }

    /** The history of the last {@link #fit} call (null before). */
    public History history() {
        return history;
    }

    /** True when the last fit stopped early. */
    public boolean stoppedEarly() {
        return stoppedEarly;
    }

    /** Trains on {@code train} without validation. */
    public History fit(RandomAccessDataset train) {
        return fit(train, null);
    }

    /**
     * Trains on {@code train} for the configured epochs, evaluating on {@code validation} (may be null) after each,
     * resuming from the newest checkpoint in the checkpoint folder when there is one. Returns the history.
     */
    public History fit(RandomAccessDataset train, RandomAccessDataset validation) {
        if (train == null || train.size() == 0) {
            throw new IllegalArgumentException("training dataset is empty or null");
        }
        if (b.earlyStopping != null && b.earlyStopping.monitor().startsWith("val_") && validation == null) {
            throw new IllegalArgumentException("early stopping monitors " + b.earlyStopping.monitor()
                    + " but no validation dataset was given; pass one to fit(train, validation) or monitor train_loss");
        }
        Engine engine = Engine.getInstance();
        engine.setRandomSeed(seedFor(-1));
        ProgressBar bar = new ProgressBar(b.out);
        List<String> metricNames = new ArrayList<>();
        for (Evaluator e : b.metrics) {
            metricNames.add(columnName(e));
        }
        DefaultTrainingConfig config = new DefaultTrainingConfig(b.loss).optOptimizer(b.optimizer);
        try (Trainer trainer = model.newTrainer(config)) {
            trainer.initialize(sampleShape(train, trainer.getManager()));
            Map<String, String> idToName = new LinkedHashMap<>();
            Map<String, String> nameToId = new HashMap<>();
            for (Map.Entry<String, Parameter> e : BlockTree.parameters(model.getBlock()).entrySet()) {
                idToName.put(e.getValue().getId(), e.getKey());
                nameToId.put(e.getKey(), e.getValue().getId());
            }
            history = History.empty(b.name, historyColumns(metricNames, validation != null));
            Checkpoints ckpt = b.checkpointDir == null ? null : new Checkpoints(b.checkpointDir);
            Checkpoints.LoopState state = new Checkpoints.LoopState(0, b.seed, Double.NaN, 0, 0, false);
            Map<String, NDArray> bestInMemory = null;
            if (ckpt != null && !b.resume) {
                ckpt.clear();
            }
            Optional<Path> latest = ckpt == null ? Optional.empty() : ckpt.latest();
            if (ckpt != null) {
                ckpt.skipped().forEach(bar::message);
            }
            if (latest.isPresent()) {
                state = resume(ckpt, latest.get(), trainer.getManager(), nameToId);
                bar.message(String.format(Locale.ROOT, "resumed from %s (%d of %d epochs done)", latest.get(),
                        state.epochsDone(), b.epochs));
            }
            double baseLr = b.baseLr();
            int batches = (int) ((train.size() + b.batchSize - 1) / b.batchSize);
            for (int epoch = state.epochsDone(); epoch < b.epochs && !state.stopped(); epoch++) {
                long t0 = System.nanoTime();
                double lr = b.schedule.lr(epoch, baseLr);
                b.optimizer.setLearningRate(lr);
                engine.setRandomSeed(seedFor(epoch));
                if (train instanceof Seedable seedable) {
                    seedable.reseed(seedFor(epoch) * 31L + 17); // augmentations: a function of (seed, epoch) too
                }
                if (train instanceof EpochAware d) {
                    d.startEpoch(epoch); // new random crops and degradations each epoch, a function of (seed, epoch)
                }
                for (java.util.function.IntConsumer c : b.onEpochStart) {
                    c.accept(epoch);
                }
                if (b.frozenBnEpochs > 0 && epoch == b.epochs - b.frozenBnEpochs) {
                    bar.message("BatchNorm frozen (running statistics, eval mode) from epoch " + (epoch + 1));
                }
                bar.start(epoch + 1, b.epochs, batches);
                Map<String, Double> row = new LinkedHashMap<>();
                Map<String, Double> trainVals = runEpoch(trainer, train, epoch, true, metricNames, bar);
                trainVals.forEach((k, v) -> row.put("train_" + k, v));
                if (validation != null) {
                    runEpoch(trainer, validation, epoch, false, metricNames, null)
                            .forEach((k, v) -> row.put("val_" + k, v));
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                row.put(History.LR, lr);
                row.put(History.SECONDS, seconds);
                history.append(epoch + 1, row);

                double best = state.bestValue();
                int bestEpoch = state.bestEpoch();
                int bad = state.badEpochs();
                boolean stop = false;
                if (b.earlyStopping != null) {
                    Double v = row.get(b.earlyStopping.monitor());
                    if (v == null) {
                        throw new IllegalArgumentException("early stopping monitors '" + b.earlyStopping.monitor()
                                + "', which is not a history column; columns: " + history.columns());
                    }
                    if (b.earlyStopping.improves(v, best)) {
                        best = v;
                        bestEpoch = epoch + 1;
                        bad = 0;
                        if (b.earlyStopping.restoreBest()) {
                            if (ckpt != null) {
                                java.nio.file.Files.createDirectories(ckpt.dir());
                                StateFile.write(ckpt.bestWeights(), Checkpoints.weights(model.getBlock()));
                            } else {
                                bestInMemory = copyWeights(bestInMemory, trainer.getManager());
                            }
                        }
                    } else {
                        bad++;
                        stop = bad >= b.earlyStopping.patience();
                    }
                }
                state = new Checkpoints.LoopState(epoch + 1, b.seed, best, bestEpoch, bad, stop);
                if (ckpt != null) {
                    try (NDManager tmp = trainer.getManager().newSubManager()) {
                        ckpt.save(model.getBlock(), b.optimizer.exportState(idToName, tmp), history, state, b.keep);
                    }
                }
                Map<String, Double> shown = new LinkedHashMap<>(row);
                shown.remove(History.SECONDS);
                shown.remove(History.LR);
                bar.finish(shown, seconds);
                if (stop) {
                    bar.message(String.format(Locale.ROOT, "early stopping: %s did not improve for %d epochs (best %.4f"
                            + " at epoch %d)", b.earlyStopping.monitor(), bad, best, bestEpoch));
                }
                for (Consumer<History> c : b.onEpochEnd) {
                    c.accept(history);
                }
            }
            stoppedEarly = state.stopped();
            if (b.earlyStopping != null && b.earlyStopping.restoreBest() && state.bestEpoch() > 0
                    && state.bestEpoch() != history.size()) {
                if (ckpt != null) {
                    try (NDManager tmp = trainer.getManager().newSubManager()) {
                        Checkpoints.loadWeights(model.getBlock(), StateFile.read(ckpt.bestWeights(), tmp),
                                ckpt.bestWeights());
                    }
                } else if (bestInMemory != null) {
                    Checkpoints.loadWeights(model.getBlock(), bestInMemory, Path.of("(memory)"));
                }
                bar.message("restored the weights of epoch " + state.bestEpoch() + " (best " + b.earlyStopping.monitor() + ")");
            }
            if (bestInMemory != null) {
                bestInMemory.values().forEach(NDArray::close);
            }
            return history;
        } catch (IOException e) {
            throw new UncheckedIOException("checkpoint I/O failed in " + b.checkpointDir + ": " + e.getMessage(), e);
        }
    }

    private Map<String, NDArray> copyWeights(Map<String, NDArray> old, NDManager manager) {
        if (old != null) {
            old.values().forEach(NDArray::close);
        }
        Map<String, NDArray> out = new LinkedHashMap<>();
        Checkpoints.weights(model.getBlock()).forEach((k, v) -> {
            NDArray c = v.duplicate();
            c.attach(manager);
            out.put(k, c);
        });
        return out;
    }

    private Checkpoints.LoopState resume(Checkpoints ckpt, Path dir, NDManager manager, Map<String, String> nameToId)
            throws IOException {
        Checkpoints.LoopState state = ckpt.readState(dir, model.getBlock(), b.seed);
        try (NDManager tmp = manager.newSubManager()) {
            Checkpoints.loadWeights(model.getBlock(), StateFile.read(dir.resolve("model.params"), tmp),
                    dir.resolve("model.params"));
            b.optimizer.importState(StateFile.read(dir.resolve("optimizer.state"), tmp), nameToId, manager);
        }
        History saved = History.readCsv(dir.resolve("history.csv"));
        if (!saved.columns().equals(history.columns())) {
            throw new IllegalStateException("checkpoint " + dir + " recorded columns " + saved.columns()
                    + " but this run records " + history.columns() + " (different metrics or validation set);"
                    + " use the same settings to resume, or another checkpointDir");
        }
        for (int i = 0; i < saved.size(); i++) {
            Map<String, Double> row = new LinkedHashMap<>();
            for (String c : saved.columns()) {
                row.put(c, saved.column(c).get(i));
            }
            history.append(saved.table().intColumn(History.EPOCH).get(i), row);
        }
        return state;
    }

    /**
     * The training forward pass in its own sub-manager, closed before the backward pass: Java handles on the
     * intermediate arrays then no longer pin them, so autograd frees each saved activation as the backward pass
     * goes past it, as PyTorch does (DepthNet, batch 8, 224²: peak RSS 1725 → 1460 MiB). The outputs are moved
     * to {@code keep}. With {@code frozen} given (an epoch of {@link Builder#freezeBatchNormLastEpochs}) the block
     * runs in evaluation mode through that parameter store.
     */
    private static NDList forwardReleasingIntermediates(Trainer trainer, ParameterStore frozen, NDList x,
            NDManager keep) {
        try (NDManager forward = keep.newSubManager()) {
            NDList input = new NDList(x.size());
            for (NDArray a : x) {
                NDArray copy = a.duplicate();
                copy.attach(forward);
                input.add(copy);
            }
            // frozen BatchNorm: the block runs as in evaluation (running statistics, not updated; no dropout) while
            // the gradient collector still records every op, so the optimizer updates all weights
            NDList out = frozen == null ? trainer.forward(input)
                    : trainer.getModel().getBlock().forward(frozen, input, false);
            out.attach(keep);
            return out;
        }
    }

    /** Whether 0-based {@code epoch} is one of the last {@link Builder#freezeBatchNormLastEpochs} epochs. */
    public boolean batchNormFrozen(int epoch) {
        return epoch >= b.epochs - b.frozenBnEpochs;
    }

    private Map<String, Double> runEpoch(Trainer trainer, RandomAccessDataset data, int epoch, boolean training,
            List<String> metricNames, ProgressBar bar) {
        String key = training ? "train" : "val";
        for (Evaluator e : b.metrics) {
            e.addAccumulator(key);
            e.resetAccumulator(key);
        }
        SeededSampler sampler = new SeededSampler(b.seed, training && b.shuffle).setEpoch(epoch);
        ParameterStore frozenStore = training && batchNormFrozen(epoch)
                ? new ParameterStore(trainer.getManager(), false) : null;
        double lossSum = 0;
        long count = 0;
        int done = 0;
        try {
            for (Batch batch : data.getData(trainer.getManager(), new BatchSampler(sampler, b.batchSize, false))) {
                try (batch) {
                    NDList x = batch.getData();
                    NDList y = batch.getLabels();
                    long n = x.head().getShape().get(0);
                    NDList pred;
                    NDArray loss;
                    if (training) {
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            pred = forwardReleasingIntermediates(trainer, frozenStore, x, batch.getManager());
                            loss = b.loss.evaluate(y, pred);
                            gc.backward(loss);
                        }
                        if (b.clipGradNorm > 0) {
                            clipGradNorm(b.clipGradNorm);
                        }
                        for (Runnable r : b.beforeStep) {
                            r.run();
                        }
                        trainer.step();
                        for (Runnable r : b.afterStep) {
                            r.run();
                        }
                    } else {
                        pred = trainer.evaluate(x);
                        loss = b.loss.evaluate(y, pred);
                    }
                    double l = loss.getFloat();
                    if (Double.isNaN(l) || Double.isInfinite(l)) {
                        throw new IllegalStateException(String.format(Locale.ROOT, "%s loss became %s in epoch %d, batch"
                                + " %d; lower the learning rate (now %g) or clip gradients (clipGradNorm)",
                                key, l, epoch + 1, done + 1, b.optimizer.learningRate()));
                    }
                    lossSum += l * n;
                    count += n;
                    for (Evaluator e : b.metrics) {
                        e.updateAccumulator(key, y, pred);
                    }
                    done++;
                    if (bar != null) {
                        bar.update(done, snapshot(key, lossSum / count, metricNames));
                    }
                }
            }
        } catch (IOException | TranslateException e) {
            throw new IllegalStateException("cannot read a " + key + " batch in epoch " + (epoch + 1) + ": " + e.getMessage(), e);
        }
        return snapshot(key, lossSum / Math.max(1, count), metricNames);
    }

    private Map<String, Double> snapshot(String key, double loss, List<String> metricNames) {
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("loss", loss);
        for (int i = 0; i < b.metrics.size(); i++) {
            out.put(metricNames.get(i), (double) b.metrics.get(i).getAccumulator(key));
        }
        return out;
    }

    private void clipGradNorm(double maxNorm) {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            List<NDArray> grads = new ArrayList<>();
            for (Parameter p : model.getBlock().getParameters().values()) {
                if (p.requiresGradient() && p.getArray().hasGradient()) {
                    grads.add(p.getArray().getGradient());
                }
            }
            GradClip.clipGradNorm(grads, maxNorm);
        }
    }

    private static Shape sampleShape(RandomAccessDataset train, NDManager manager) {
        try (NDManager tmp = manager.newSubManager()) {
            Record r = train.get(tmp, 0);
            Shape s = r.getData().head().getShape();
            long[] dims = new long[s.dimension() + 1];
            dims[0] = 1;
            System.arraycopy(s.getShape(), 0, dims, 1, s.dimension());
            return new Shape(dims);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the first training sample: " + e.getMessage(), e);
        }
    }

    private static List<String> historyColumns(List<String> metrics, boolean validation) {
        List<String> cols = new ArrayList<>();
        cols.add(History.TRAIN_LOSS);
        for (String m : metrics) {
            cols.add("train_" + m);
        }
        if (validation) {
            cols.add(History.VAL_LOSS);
            for (String m : metrics) {
                cols.add("val_" + m);
            }
        }
        cols.add(History.LR);
        cols.add(History.SECONDS);
        return cols;
    }

    /** The history column name of a DJL evaluator: its name in snake case ("Accuracy" → "accuracy"). */
    static String columnName(Evaluator e) {
        return e.getName().replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace(' ', '_').toLowerCase(Locale.ROOT);
    }

    private int seedFor(int epoch) {
        long h = b.seed * 0x9E3779B97F4A7C15L + (epoch + 1) * 0xBF58476D1CE4E5B9L;
        h ^= h >>> 31;
        return (int) (h & 0x7fffffff);
    }

    /** Frees the optimizer's state and closes the model when this fit created it (built from a block). */
    @Override
    public void close() {
        // the optimizer's state (Adam: two arrays per weight) lives in a sub-manager of the model's; a model the
        // caller keeps (DepthProject keeps every run's) would otherwise carry it until it is closed
        b.optimizer.clearState();
        if (ownsModel) {
            model.close();
        }
    }

    /** Settings of a {@link Fit}. */
    public static final class Builder {
        private final Loss loss;
        private Block block;
        private Model model;
        private StatefulOptimizer optimizer;
        private int epochs = 5;
        private int batchSize = 32;
        private long seed = 42;
        private boolean shuffle = true;
        private final List<Evaluator> metrics = new ArrayList<>();
        private LrSchedule schedule = LrSchedule.constant();
        private Double baseLr;
        private double clipGradNorm;
        private int frozenBnEpochs;
        private EarlyStopping earlyStopping;
        private Path checkpointDir;
        private boolean resume = true;
        private int keep = 2;
        private String name = "run";
        private PrintStream out = System.out;
        private final List<Consumer<History>> onEpochEnd = new ArrayList<>();
        private final List<java.util.function.IntConsumer> onEpochStart = new ArrayList<>();
        private final List<Runnable> beforeStep = new ArrayList<>();
        private final List<Runnable> afterStep = new ArrayList<>();

        private Builder(Loss loss) {
            if (loss == null) {
                throw new IllegalArgumentException("loss must not be null (e.g. Loss.softmaxCrossEntropyLoss())");
            }
            this.loss = loss;
        }

        /** The optimizer (default {@code Adam.of(1e-3)}); one of labkit's, so its state can be checkpointed. */
        public Builder optimizer(StatefulOptimizer optimizer) {
            this.optimizer = optimizer;
            return this;
        }

        /** Total number of epochs (a resumed run continues up to this number). */
        public Builder epochs(int epochs) {
            if (epochs < 1) {
                throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
            }
            this.epochs = epochs;
            return this;
        }

        /**
         * Trains the last {@code n} epochs (default 0) with every BatchNorm frozen, as in evaluation: normalised by
         * its running statistics, which stay as they are, while all weights (BN's γ and β included) keep learning;
         * dropout and stochastic depth are off in those epochs too, and so is anything else a block does only in
         * training (QAT observers keep their ranges). A network trained only with batch statistics
         * can behave differently in evaluation, where channels with a tiny running variance amplify small input
         * differences (gain 1/√(var + eps)); a final frozen epoch trains it in the mode it will be evaluated,
         * calibrated and quantized in (as QAT's {@code freeze_bn_stats}). The progress output says when they start.
         */
        public Builder freezeBatchNormLastEpochs(int n) {
            if (n < 0) {
                throw new IllegalArgumentException("freezeBatchNormLastEpochs must be >= 0, got " + n);
            }
            this.frozenBnEpochs = n;
            return this;
        }

        /** Mini-batch size (default 32); the last smaller batch is kept, as PyTorch's DataLoader does. */
        public Builder batchSize(int batchSize) {
            if (batchSize < 1) {
                throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
            }
            this.batchSize = batchSize;
            return this;
        }

        /** Seed of initialisation, data order and dropout (default 42). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Whether training batches are shuffled (default true; validation never is). */
        public Builder shuffle(boolean shuffle) {
            this.shuffle = shuffle;
            return this;
        }

        /** Adds a DJL evaluator (e.g. {@code new Accuracy()}) reported as train_/val_ columns. */
        public Builder metric(Evaluator evaluator) {
            metrics.add(evaluator);
            return this;
        }

        /** Learning rate per epoch (default constant). */
        public Builder lrSchedule(LrSchedule schedule) {
            this.schedule = schedule;
            return this;
        }

        /** Clips the global gradient L2 norm to {@code maxNorm} before each step (0 = off), as clip_grad_norm_. */
        public Builder clipGradNorm(double maxNorm) {
            if (!(maxNorm >= 0)) {
                throw new IllegalArgumentException("maxNorm must be >= 0, got " + maxNorm);
            }
            this.clipGradNorm = maxNorm;
            return this;
        }

        /** Stops when a history column stops improving (see {@link EarlyStopping}). */
        public Builder earlyStopping(EarlyStopping earlyStopping) {
            this.earlyStopping = earlyStopping;
            return this;
        }

        /** Folder for per-epoch checkpoints and history.csv; a later fit with the same folder resumes. */
        public Builder checkpointDir(Path dir) {
            this.checkpointDir = dir;
            return this;
        }

        /** Whether to resume from the checkpoint folder (default true); false deletes its checkpoints first. */
        public Builder resume(boolean resume) {
            this.resume = resume;
            return this;
        }

        /** How many epoch checkpoints to keep (default 2, newest first). */
        public Builder keepCheckpoints(int keep) {
            if (keep < 1) {
                throw new IllegalArgumentException("keepCheckpoints must be >= 1, got " + keep);
            }
            this.keep = keep;
            return this;
        }

        /** Name of the run (the history table's name). */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** Where the progress bar goes (default System.out); {@code null} silences it. */
        public Builder progress(PrintStream out) {
            this.out = out == null ? new PrintStream(java.io.OutputStream.nullOutputStream()) : out;
            return this;
        }

        /** Called after every epoch (after its checkpoint is written) with the history so far. */
        public Builder onEpochEnd(Consumer<History> callback) {
            onEpochEnd.add(callback);
            return this;
        }

        /**
         * Called before every epoch with its 0-based index. Reseed random data transforms here (e.g.
         * {@code e -> augment.reseed(seed + e)}): a transform whose random stream runs on across epochs would
         * give a resumed run different augmentations than the uninterrupted one.
         */
        public Builder onEpochStart(java.util.function.IntConsumer callback) {
            onEpochStart.add(callback);
            return this;
        }

        /**
         * Called on every training batch after the backward pass (and gradient clipping), just before the optimizer
         * step, while the parameters' gradients are readable and writable (e.g. weight clustering sums the
         * gradients of each cluster here).
         */
        public Builder beforeStep(Runnable callback) {
            beforeStep.add(callback);
            return this;
        }

        /**
         * Called on every training batch right after the optimizer step (e.g. pruning re-applies its masks here, so
         * pruned weights stay exactly zero through fine-tuning).
         */
        public Builder afterStep(Runnable callback) {
            afterStep.add(callback);
            return this;
        }

        private double baseLr() {
            return baseLr;
        }

        public Fit build() {
            if (optimizer == null) {
                optimizer = Adam.of(1e-3);
            }
            baseLr = optimizer.learningRate();
            if (frozenBnEpochs > epochs) {
                throw new IllegalArgumentException("freezeBatchNormLastEpochs(" + frozenBnEpochs + ") exceeds epochs("
                        + epochs + ")");
            }
            if (block == null) {
                throw new IllegalArgumentException("the model has no block; call model.setBlock(...) first");
            }
            return new Fit(this);
        }
    }
}
