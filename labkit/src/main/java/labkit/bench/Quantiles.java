package labkit.bench;

import java.util.Arrays;

/**
 * Medians and nearest-rank quantiles of repeated measurements (latencies, step times): the statistics every
 * benchmark table in labkit reports, computed in one place so all tables mean the same thing by "median".
 */
public final class Quantiles {
    private Quantiles() {}

    /** The median of {@code values} (the mean of the two middle values for an even count); the input is not changed. */
    public static double median(double[] values) {
        double[] s = sorted(values);
        int n = s.length;
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    }

    /**
     * The nearest-rank {@code q}-quantile (0 ≤ q ≤ 1) of already sorted values: {@code sorted[round(q·(n−1))]}, a
     * value that was measured (no interpolation).
     */
    public static double quantile(double[] sorted, double q) {
        if (sorted.length == 0) {
            throw new IllegalArgumentException("quantile of no values");
        }
        if (!(q >= 0 && q <= 1)) {
            throw new IllegalArgumentException("quantile q must be in [0, 1], got " + q);
        }
        return sorted[(int) Math.min(sorted.length - 1, Math.round(q * (sorted.length - 1)))];
    }

    /** A sorted copy of {@code values}; throws on an empty array. */
    public static double[] sorted(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("median of no values");
        }
        double[] s = values.clone();
        Arrays.sort(s);
        return s;
    }
}
