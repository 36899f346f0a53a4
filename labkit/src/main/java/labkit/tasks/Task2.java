package labkit.tasks;

import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.loss.Loss;
import ai.djl.translate.Transform;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.function.IntConsumer;
import labkit.Labkit;
import labkit.data.ImageFolderDataset;
import labkit.models.Task1Cnn;
import labkit.train.Adam;
import labkit.train.Fit;
import labkit.train.History;
import labkit.train.TrainingCurves;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;

/**
 * Course Task 2, part 1: does data augmentation help? Train the Task 1 CNN twice on the same images, split and
 * seed — once with the augmenting transform on the training images, once without — and compare the two
 * training histories on one chart and in a small table of final numbers. Validation images never get augmented.
 *
 * <pre>{@code
 * Task2.Comparison c = Task2.augmentationStudy(dataset)
 *         .augmentation(trainTransform).plain(toTensor).epochs(10).build().run();
 * show(c.chart("accuracy")); show(c.summary());
 * }</pre>
 */
public final class Task2 {
    private Task2() {}

    /** The names of the two runs, in the order they are trained and plotted. */
    public static final String WITHOUT = "no augmentation", WITH = "augmentation";

    /** Starts an augmentation study on {@code dataset} (an image folder; its own transform is ignored). */
    public static AugmentationStudy augmentationStudy(ImageFolderDataset dataset) {
        return new AugmentationStudy(dataset);
    }

    /** Histories of both runs, with charts and a summary table. */
    public record Comparison(Map<String, History> histories) {
        /** The chart of one quantity ("loss", "accuracy") with both runs, train solid, validation dashed. */
        public Figure chart(String quantity) {
            return TrainingCurves.compare(histories).chart(quantity);
        }

        /** The run trained with augmentation. */
        public History withAugmentation() {
            return histories.get(WITH);
        }

        /** The run trained without augmentation. */
        public History withoutAugmentation() {
            return histories.get(WITHOUT);
        }

        /**
         * One row per run: final train/validation loss and accuracy, the best validation accuracy and its epoch,
         * and the total training seconds.
         */
        public Table summary() {
            StringColumn run = StringColumn.create("run");
            IntColumn epochs = IntColumn.create("epochs");
            DoubleColumn trainLoss = DoubleColumn.create("train_loss");
            DoubleColumn trainAcc = DoubleColumn.create("train_accuracy");
            DoubleColumn valLoss = DoubleColumn.create("val_loss");
            DoubleColumn valAcc = DoubleColumn.create("val_accuracy");
            DoubleColumn bestAcc = DoubleColumn.create("best_val_accuracy");
            IntColumn bestEpoch = IntColumn.create("best_epoch");
            DoubleColumn seconds = DoubleColumn.create("seconds");
            for (Map.Entry<String, History> e : histories.entrySet()) {
                History h = e.getValue();
                run.append(e.getKey());
                epochs.append(h.size());
                trainLoss.append(h.last("train_loss"));
                trainAcc.append(h.last("train_accuracy"));
                valLoss.append(h.last("val_loss"));
                valAcc.append(h.last("val_accuracy"));
                OptionalInt best = h.bestEpoch("val_accuracy", false);
                bestEpoch.append(best.orElse(0));
                bestAcc.append(best.isPresent() ? h.column("val_accuracy").get(best.getAsInt() - 1) : Double.NaN);
                seconds.append(h.column("seconds").sum());
            }
            return Table.create("Task 2 — augmentation vs none", run, epochs, trainLoss, trainAcc, valLoss, valAcc,
                    bestAcc, bestEpoch, seconds);
        }
    }

    /** Settings of the two-run comparison (defaults: 10 epochs, or 1 in quick mode; batch 32; Adam 1e-3; seed 0). */
    public static final class AugmentationStudy {
        private final ImageFolderDataset dataset;
        private Transform augmentation;
        private Transform plain;
        private IntConsumer reseed = e -> { };
        private int epochs = Labkit.quick() ? 1 : 10;
        private int batchSize = 32;
        private double lr = 1e-3;
        private long seed = 0;
        private double trainFraction = 0.8;
        private int width = 32;
        private Path checkpointRoot;
        private boolean progress = true;

        private AugmentationStudy(ImageFolderDataset dataset) {
            if (dataset == null) {
                throw new IllegalArgumentException("dataset must not be null");
            }
            this.dataset = dataset;
        }

        /**
         * Transform for the augmented run's training images: random ops, then conversion to a 3×H×W tensor
         * (default {@code Task1.trainTransform(seed)}). A {@code labkit.Seedable} one is reseeded every epoch.
         */
        public AugmentationStudy augmentation(Transform augmentation) {
            this.augmentation = augmentation;
            return this;
        }

        /**
         * Called with the epoch before each epoch of the augmented run, to reseed the augmentation (e.g.
         * {@code e -> compose.reseed(seed + e)}) so checkpoints resume exactly.
         */
        public AugmentationStudy reseedEachEpoch(IntConsumer reseed) {
            this.reseed = reseed;
            return this;
        }

        /** Transform for validation images and the plain run: conversion to a 3×H×W tensor only (default {@code Task1.evalTransform()}). */
        public AugmentationStudy plain(Transform plain) {
            this.plain = plain;
            return this;
        }

        public AugmentationStudy epochs(int epochs) {
            this.epochs = epochs;
            return this;
        }

        public AugmentationStudy batchSize(int batchSize) {
            this.batchSize = batchSize;
            return this;
        }

        /** Adam's learning rate (default 1e-3). */
        public AugmentationStudy lr(double lr) {
            this.lr = lr;
            return this;
        }

        /** One seed for the split, the initial weights, the batch order and dropout of both runs. */
        public AugmentationStudy seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Fraction of images used for training (default 0.8); the rest validate. */
        public AugmentationStudy trainFraction(double trainFraction) {
            this.trainFraction = trainFraction;
            return this;
        }

        /** Channels of the CNN's first stage (default 32, doubling per stage). */
        public AugmentationStudy width(int width) {
            this.width = width;
            return this;
        }

        /** Keep per-epoch checkpoints under {@code root/<run>/} so an interrupted study resumes. */
        public AugmentationStudy checkpointRoot(Path root) {
            this.checkpointRoot = root;
            return this;
        }

        /** Whether to print progress bars (default true). */
        public AugmentationStudy progress(boolean progress) {
            this.progress = progress;
            return this;
        }

        /** Fills in Task 1's pipelines for unset transforms and returns this study. */
        public AugmentationStudy build() {
            if (augmentation == null) {
                augmentation = Task1.trainTransform(seed);
            }
            if (plain == null) {
                plain = Task1.evalTransform();
            }
            return this;
        }

        /** Trains both runs (plain first) and returns their histories. */
        public Comparison run() {
            build();
            ImageFolderDataset.Split split = dataset.split(trainFraction, seed);
            ImageFolderDataset val = split.validation().withTransform(plain);
            Map<String, History> out = new LinkedHashMap<>();
            for (String name : List.of(WITHOUT, WITH)) {
                boolean aug = name.equals(WITH);
                ImageFolderDataset train = split.train().withTransform(aug ? augmentation : plain);
                int size = imageSize(val);
                Fit.Builder fb = Fit.builder(Task1Cnn.create(dataset.classes().size(), size, width),
                                Loss.softmaxCrossEntropyLoss())
                        .name(name).optimizer(Adam.of(lr)).epochs(epochs).batchSize(batchSize).seed(seed)
                        .metric(new Accuracy());
                if (aug) {
                    fb.onEpochStart(reseed);
                }
                if (checkpointRoot != null) {
                    fb.checkpointDir(checkpointRoot.resolve(aug ? "augmentation" : "no-augmentation"));
                }
                if (!progress) {
                    fb.progress(null);
                } else {
                    System.out.println("— " + name + " —");
                }
                try (Fit fit = fb.build()) {
                    out.put(name, fit.fit(train, val));
                }
            }
            return new Comparison(out);
        }

        private static int imageSize(ImageFolderDataset val) {
            try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
                ai.djl.ndarray.types.Shape s = val.get(m, 0).getData().head().getShape();
                if (s.dimension() != 3 || s.get(0) != 3 || s.get(1) != s.get(2)) {
                    throw new IllegalArgumentException("the plain transform must give square 3×H×W tensors, got " + s
                            + "; end the pipeline with ToTensor (and Resize to a multiple of 8)");
                }
                return (int) s.get(1);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
