package labkit.compress;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.training.loss.Loss;
import labkit.train.Fit;

/**
 * Knowledge distillation through labkit's fit loop: the student learns from the teacher's softened outputs and
 * from the labels ({@link DistillationLoss}). {@link #fitBuilder()} gives an ordinary {@link Fit.Builder}
 * (epochs, optimizer, metrics, checkpoints, history) whose model is a {@link DistillationBlock}; after training,
 * {@link #student()} is the trained student, ready to use alone.
 *
 * <pre>{@code
 * try (Distiller kd = Distiller.builder(teacherBlock, new StudentNet(8, 1, 10)).temperature(4).alpha(0.7).build();
 *      Fit fit = kd.fitBuilder().epochs(10).optimizer(Adam.of(1e-3)).metric(new Accuracy()).build()) {
 *     History h = fit.fit(train, val);
 *     // use kd.student() here
 * }
 * }</pre>
 *
 * The comparison run without distillation is {@link #withoutDistillation(Block)}: the same student architecture
 * trained on the labels alone.
 */
public final class Distiller implements AutoCloseable {
    private final DistillationBlock block;
    private final DistillationLoss loss;
    private final Model model;

    private Distiller(Builder b) {
        this.block = new DistillationBlock(b.student, b.teacher);
        this.loss = new DistillationLoss(b.temperature, b.alpha);
        this.model = Model.newInstance("distillation");
        model.setBlock(block);
    }

    /** Starts a distiller from a trained {@code teacher} block to a fresh {@code student} block. */
    public static Builder builder(Block teacher, Block student) {
        return new Builder(teacher, student);
    }

    /** The student and frozen teacher side by side. */
    public DistillationBlock block() { return block; }

    /** The distillation loss. */
    public DistillationLoss loss() { return loss; }

    /** The student (trained once the fit has run; its weights live until {@link #close()}). */
    public Block student() { return block.student(); }

    /** The DJL model holding the {@link DistillationBlock}; the student's weights belong to it. */
    public Model model() { return model; }

    /**
     * A fit of the {@link DistillationBlock} with the {@link DistillationLoss}; add epochs, optimizer, metrics.
     * The fit does not own the model: the student stays usable after the fit is closed, until this distiller is.
     */
    public Fit.Builder fitBuilder() {
        return Fit.builder(model, loss).name("distillation");
    }

    /** Releases the student's weights (the teacher belongs to its own model and stays open). */
    @Override
    public void close() {
        model.close();
    }

    /**
     * A fit of {@code student} alone on cross-entropy: the baseline to compare a distilled student with (same
     * seed, epochs and data give the same initial weights and batch order as the distilled run).
     */
    public static Fit.Builder withoutDistillation(Block student) {
        return Fit.builder(student, Loss.softmaxCrossEntropyLoss()).name("no distillation");
    }

    /** Settings of a {@link Distiller} (defaults: temperature 4, alpha 0.7). */
    public static final class Builder {
        private final Block teacher;
        private final Block student;
        private double temperature = 4;
        private double alpha = 0.7;

        private Builder(Block teacher, Block student) {
            this.teacher = teacher;
            this.student = student;
        }

        /** Softmax temperature T (> 0): higher makes the teacher's distribution softer. */
        public Builder temperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        /** Weight of the soft (teacher) term in [0, 1]; {@code 1 - alpha} weighs the labels' cross-entropy. */
        public Builder alpha(double alpha) {
            this.alpha = alpha;
            return this;
        }

        public Distiller build() {
            return new Distiller(this);
        }
    }
}
