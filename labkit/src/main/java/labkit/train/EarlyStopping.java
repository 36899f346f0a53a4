package labkit.train;

/**
 * Stop training when a history column has not improved for {@code patience} epochs, like Keras'
 * {@code EarlyStopping(monitor, patience, min_delta, mode, restore_best_weights)}. An improvement must beat
 * the best value so far by more than {@code minDelta}. With {@code restoreBest} the model ends with the weights
 * of its best epoch (kept in the checkpoint folder, or in memory without one).
 *
 * @param monitor history column to watch, e.g. {@code val_loss} or {@code val_accuracy}
 * @param patience epochs without improvement before stopping (>= 1)
 * @param minDelta smallest change that counts as an improvement (>= 0)
 * @param minimize true when lower is better (losses), false for accuracies
 * @param restoreBest whether to load the best epoch's weights at the end
 */
public record EarlyStopping(String monitor, int patience, double minDelta, boolean minimize, boolean restoreBest) {

    public EarlyStopping {
        if (monitor == null || monitor.isBlank()) {
            throw new IllegalArgumentException("monitor must name a history column, e.g. val_loss");
        }
        if (patience < 1) {
            throw new IllegalArgumentException("patience must be >= 1, got " + patience);
        }
        if (!(minDelta >= 0)) {
            throw new IllegalArgumentException("minDelta must be >= 0, got " + minDelta);
        }
    }

    /** Watches {@code monitor} (lower is better when its name contains "loss"), restoring the best weights. */
    public static EarlyStopping of(String monitor, int patience) {
        return new EarlyStopping(monitor, patience, 0, monitor.contains("loss"), true);
    }

    /** Watches {@code val_loss}, restoring the best weights. */
    public static EarlyStopping onValLoss(int patience) {
        return of(History.VAL_LOSS, patience);
    }

    /** True when {@code value} improves on {@code best} (NaN best means nothing seen yet). */
    public boolean improves(double value, double best) {
        if (Double.isNaN(value)) {
            return false;
        }
        if (Double.isNaN(best)) {
            return true;
        }
        return minimize ? value < best - minDelta : value > best + minDelta;
    }
}
