package labkit.compress;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;
import ai.djl.training.loss.SoftmaxCrossEntropyLoss;

/**
 * Hinton's knowledge-distillation loss, as the NTU homework writes it:
 * {@code alpha · T² · KL(softmax(teacher/T) ‖ softmax(student/T)) + (1 − alpha) · CE(student, y)}, where the KL
 * term equals PyTorch's {@code F.kl_div(F.log_softmax(s/T), F.softmax(t/T), reduction='batchmean')} (summed over
 * classes, averaged over the batch). Predictions are {@code (studentLogits, teacherLogits)}, as a
 * {@link DistillationBlock} returns them; the teacher's logits carry no gradient.
 */
public final class DistillationLoss extends Loss {
    private final double temperature;
    private final double alpha;
    private final SoftmaxCrossEntropyLoss ce = Loss.softmaxCrossEntropyLoss("ce");

    /** A loss with temperature {@code temperature} (> 0) and soft-target weight {@code alpha} in [0, 1]. */
    public DistillationLoss(double temperature, double alpha) {
        super("DistillationLoss");
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be > 0, got " + temperature);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], got " + alpha);
        }
        this.temperature = temperature;
        this.alpha = alpha;
    }

    public double temperature() { return temperature; }
    public double alpha() { return alpha; }

    /**
     * {@code F.kl_div(F.log_softmax(student/T, 1), F.softmax(teacher/T, 1), reduction='batchmean')}: the KL
     * divergence of the student's softened distribution from the teacher's, summed over classes, mean over rows.
     */
    public static NDArray klDivergence(NDArray student, NDArray teacher, double temperature) {
        if (!student.getShape().equals(teacher.getShape()) || student.getShape().dimension() != 2) {
            throw new IllegalArgumentException("student and teacher logits must both be N×classes, got "
                    + student.getShape() + " and " + teacher.getShape()
                    + "; the teacher must have as many outputs as the student");
        }
        float t = (float) temperature;
        NDArray logPs = student.div(t).logSoftmax(1);
        NDArray logPt = teacher.div(t).logSoftmax(1);
        return logPt.exp().mul(logPt.sub(logPs)).sum().div(student.getShape().get(0));
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        if (predictions.size() != 2) {
            throw new IllegalArgumentException("DistillationLoss needs (student logits, teacher logits), got "
                    + predictions.size() + " arrays; train a DistillationBlock (Distiller.fitBuilder())");
        }
        NDArray s = predictions.get(0);
        NDArray t = predictions.get(1).stopGradient();
        NDArray soft = klDivergence(s, t, temperature).mul((float) (alpha * temperature * temperature));
        if (alpha == 1) {
            return soft;
        }
        NDArray hard = ce.evaluate(labels, new NDList(s)).mul((float) (1 - alpha));
        return soft.add(hard);
    }

    @Override
    public String toString() {
        return "DistillationLoss(T=" + temperature + ", alpha=" + alpha + ")";
    }
}
