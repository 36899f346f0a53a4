package labkit.train;

import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;

/**
 * A one-line progress bar per epoch: {@code epoch 2/5 [#######.....] 30/50 loss 0.4123 accuracy 0.812}, redrawn
 * with a carriage return at most a few times a second, then completed with the validation numbers and the time.
 */
public final class ProgressBar {
    private static final int WIDTH = 24;
    private final PrintStream out;
    private int epoch;
    private int epochs;
    private int total;
    private long lastDraw;
    private long start;

    public ProgressBar(PrintStream out) {
        this.out = out;
    }

    /** Starts the bar of {@code epoch} (1-based) of {@code epochs}, with {@code total} batches. */
    public void start(int epoch, int epochs, int total) {
        this.epoch = epoch;
        this.epochs = epochs;
        this.total = total;
        this.start = System.nanoTime();
        this.lastDraw = 0;
    }

    /** Redraws after {@code done} batches with the running loss and metrics (throttled). */
    public void update(int done, Map<String, Double> running) {
        long now = System.nanoTime();
        if (done < total && now - lastDraw < 250_000_000L) {
            return;
        }
        lastDraw = now;
        out.print("\r" + line(done, running));
        out.flush();
    }

    /** Completes the line with the epoch's numbers and the elapsed seconds. */
    public void finish(Map<String, Double> values, double seconds) {
        out.print("\r" + line(total, values) + String.format(Locale.ROOT, " | %.1fs%n", seconds));
        out.flush();
    }

    /** Prints a message on its own line. */
    public void message(String text) {
        out.println(text);
        out.flush();
    }

    String line(int done, Map<String, Double> values) {
        int filled = total == 0 ? WIDTH : (int) Math.round(WIDTH * (double) done / total);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "epoch %d/%d [", epoch, epochs));
        sb.append("#".repeat(filled)).append(".".repeat(WIDTH - filled)).append("] ");
        sb.append(String.format(Locale.ROOT, "%d/%d", done, total));
        for (Map.Entry<String, Double> e : values.entrySet()) {
            sb.append(String.format(Locale.ROOT, " %s %.4f", e.getKey(), e.getValue()));
        }
        return sb.toString();
    }
}
