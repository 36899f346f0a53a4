package labkit.tasks;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.dataset.Dataset;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Adam;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.TranslateException;
import java.io.IOException;
import java.util.Locale;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.traces.ScatterTrace;

/**
 * The short, seeded training loops of Tasks 3 and 4, written out on DJL's {@link Trainer} (forward in a
 * {@link GradientCollector}, backward, {@code trainer.step()}): Adam at a fixed learning rate, mean loss per epoch
 * on the training set and on a validation set, returned as a Tablesaw table. Package-private until
 * {@code labkit.train} offers the same.
 */
final class ShortTraining {
    /** Column names of the history table. */
    static final String EPOCH = "epoch";
    static final String TRAIN = "train loss";
    static final String VALIDATION = "validation loss";
    static final String SECONDS = "seconds";

    private ShortTraining() {}

    /**
     * Trains {@code model} (its block initialised or not; {@code inputShape} is one batch's input shape) for
     * {@code epochs} epochs on {@code train} and evaluates {@code loss} on {@code validation} after each. The
     * random seed fixes parameter initialisation (when not yet initialised) and the batch order.
     */
    static Table fit(Model model, Loss loss, Dataset train, Dataset validation, Shape inputShape, int epochs,
            float learningRate, int seed) {
        if (epochs < 1) {
            throw new IllegalArgumentException("epochs must be >= 1, got " + epochs);
        }
        Engine.getInstance().setRandomSeed(seed);
        DefaultTrainingConfig config = new DefaultTrainingConfig(loss)
                .optOptimizer(Adam.builder().optLearningRateTracker(Tracker.fixed(learningRate)).build());
        IntColumn epoch = IntColumn.create(EPOCH);
        DoubleColumn trainLoss = DoubleColumn.create(TRAIN);
        DoubleColumn validationLoss = DoubleColumn.create(VALIDATION);
        DoubleColumn seconds = DoubleColumn.create(SECONDS);
        try (Trainer trainer = model.newTrainer(config)) {
            trainer.initialize(inputShape);
            for (int e = 1; e <= epochs; e++) {
                long t0 = System.nanoTime();
                double sum = 0;
                long n = 0;
                for (Batch batch : trainer.iterateDataset(train)) {
                    try (batch; GradientCollector gc = trainer.newGradientCollector()) {
                        NDList predictions = trainer.forward(batch.getData(), batch.getLabels());
                        NDArray l = loss.evaluate(batch.getLabels(), predictions);
                        gc.backward(l);
                        sum += l.getFloat() * batch.getSize();
                        n += batch.getSize();
                    }
                    trainer.step();
                }
                epoch.append(e);
                trainLoss.append(sum / n);
                validationLoss.append(evaluate(trainer, loss, validation));
                seconds.append((System.nanoTime() - t0) / 1e9);
            }
        } catch (IOException | TranslateException ex) {
            throw new IllegalStateException("training stopped: could not read a batch (" + ex.getMessage() + ")", ex);
        }
        return Table.create("training history", epoch, trainLoss, validationLoss, seconds);
    }

    /** Mean {@code loss} over {@code data} in inference mode (no gradients, BatchNorm in eval mode). */
    static double evaluate(Trainer trainer, Loss loss, Dataset data) throws IOException, TranslateException {
        double sum = 0;
        long n = 0;
        for (Batch batch : trainer.iterateDataset(data)) {
            try (batch) {
                NDList predictions = trainer.evaluate(batch.getData());
                sum += loss.evaluate(batch.getLabels(), predictions).getFloat() * batch.getSize();
                n += batch.getSize();
            }
        }
        return sum / n;
    }

    /** Training and validation loss per epoch as a line chart. */
    static Figure lossFigure(Table history, String title) {
        ScatterTrace t = ScatterTrace.builder(history.intColumn(EPOCH), history.doubleColumn(TRAIN))
                .mode(ScatterTrace.Mode.LINE_AND_MARKERS).name(TRAIN).build();
        ScatterTrace v = ScatterTrace.builder(history.intColumn(EPOCH), history.doubleColumn(VALIDATION))
                .mode(ScatterTrace.Mode.LINE_AND_MARKERS).name(VALIDATION).build();
        Layout layout = Layout.builder(title)
                .xAxis(Axis.builder().title(EPOCH).build())
                .yAxis(Axis.builder().title("loss").build())
                .height(400).width(700).build();
        return new Figure(layout, t, v);
    }

    /** "first → last" of a history column, for a one-line summary. */
    static String change(Table history, String column) {
        DoubleColumn c = history.doubleColumn(column);
        return String.format(Locale.ROOT, "%s %.4f → %.4f", column, c.get(0), c.get(c.size() - 1));
    }
}
