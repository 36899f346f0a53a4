package labkit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;

/**
 * Mean squared error as PyTorch's {@code nn.MSELoss()} / torchmetrics' {@code MeanSquaredError} report it
 * (not DJL's {@code L2Loss}, which halves it): {@link #of} for one batch, {@link #update}/{@link #compute} for the
 * mean over every element of a whole test set.
 */
public final class Mse {
    private double sum;
    private long count;

    /** MSE of one batch. */
    public static float of(NDArray preds, NDArray target) {
        check(preds, target);
        return preds.sub(target).square().mean().getFloat();
    }

    /** Adds a batch (sum of squared errors and element count, so batches of any size weigh correctly). */
    public Mse update(NDArray preds, NDArray target) {
        check(preds, target);
        try (NDManager m = preds.getManager().newSubManager()) {
            NDArray p = preds.toType(DataType.FLOAT64, true);
            p.attach(m);
            NDArray t = target.toType(DataType.FLOAT64, true);
            t.attach(m);
            sum += p.sub(t).square().sum().getDouble();
        }
        count += preds.size();
        return this;
    }

    /** Mean over every element given to {@link #update} since the last {@link #reset}. */
    public double compute() {
        if (count == 0) {
            throw new IllegalStateException("Mse.compute() before any update(preds, target)");
        }
        return sum / count;
    }

    public void reset() {
        sum = 0;
        count = 0;
    }

    private static void check(NDArray preds, NDArray target) {
        if (!preds.getShape().equals(target.getShape())) {
            throw new IllegalArgumentException("MSE: predictions " + preds.getShape() + " and targets "
                    + target.getShape() + " must have the same shape");
        }
    }
}
