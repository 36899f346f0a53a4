package labkit.train;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * PyTorch's {@code ReduceLROnPlateau(mode="min", factor, patience, threshold=1e-4 relative, cooldown, min_lr)} as
 * an {@link LrSchedule} for {@link Fit}: it watches a history column (default {@code val_loss}) through
 * {@link #observe(History)} (register it with {@code onEpochEnd(plateau::observe)}) and multiplies the rate by
 * {@code factor} once the column has not improved for more than {@code patience} epochs. The rate of an epoch is
 * replayed from the observed values, so it is a pure function of the history; a resumed run must observe the
 * restored history first ({@code observe(History.readCsv(...))}) to get the same rates.
 *
 * <pre>{@code
 * ReduceLROnPlateau plateau = new ReduceLROnPlateau("val_loss", 0.5, 2);
 * Fit.builder(net, loss).lrSchedule(plateau).onEpochEnd(plateau::observe) ...
 * }</pre>
 */
public final class ReduceLROnPlateau implements LrSchedule {
    private final String monitor;
    private final double factor;
    private final int patience;
    private final double threshold;
    private final int cooldown;
    private final double minLr;
    private final List<Double> values = new ArrayList<>();

    /** With PyTorch's other defaults: threshold 1e-4 (relative), cooldown 0, min_lr 0. */
    public ReduceLROnPlateau(String monitor, double factor, int patience) {
        this(monitor, factor, patience, 1e-4, 0, 0);
    }

    public ReduceLROnPlateau(String monitor, double factor, int patience, double threshold, int cooldown, double minLr) {
        if (!(factor > 0 && factor < 1)) {
            throw new IllegalArgumentException("ReduceLROnPlateau factor must be in (0, 1), got " + factor);
        }
        if (patience < 0 || cooldown < 0 || threshold < 0 || minLr < 0) {
            throw new IllegalArgumentException("ReduceLROnPlateau: patience, cooldown, threshold, minLr must be >= 0");
        }
        this.monitor = monitor;
        this.factor = factor;
        this.patience = patience;
        this.threshold = threshold;
        this.cooldown = cooldown;
        this.minLr = minLr;
    }

    /** The history column watched. */
    public String monitor() {
        return monitor;
    }

    /** Reads the watched column of {@code history} (all epochs so far). */
    public void observe(History history) {
        if (!history.columns().contains(monitor)) {
            throw new IllegalArgumentException("ReduceLROnPlateau watches '" + monitor + "', which is not a history"
                    + " column; columns: " + history.columns() + " (val_* needs a validation set)");
        }
        values.clear();
        for (int i = 0; i < history.size(); i++) {
            values.add(history.column(monitor).get(i));
        }
    }

    /** Rate of {@code epoch}: the base rate after replaying PyTorch's rule over the values of earlier epochs. */
    @Override
    public double lr(int epoch, double baseLr) {
        double lr = baseLr;
        double best = Double.POSITIVE_INFINITY;
        int bad = 0;
        int cool = 0;
        for (int e = 0; e < Math.min(epoch, values.size()); e++) {
            double v = values.get(e);
            if (v < best * (1 - threshold)) {
                best = v;
                bad = 0;
            } else {
                bad++;
            }
            if (cool > 0) {
                cool--;
                bad = 0;
            }
            if (bad > patience) {
                double next = Math.max(lr * factor, minLr);
                if (lr - next > 1e-8) {
                    lr = next;
                }
                cool = cooldown;
                bad = 0;
            }
        }
        return lr;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ReduceLROnPlateau(%s, factor=%g, patience=%d, threshold=%g, cooldown=%d,"
                + " min_lr=%g)", monitor, factor, patience, threshold, cooldown, minLr);
    }
}
