package labkit.compress;

import java.util.Arrays;
import java.util.Random;

/** k-means on scalars (Lloyd's algorithm): the clustering step of weight sharing, kept pure for testing. */
final class KMeans1d {
    private KMeans1d() {}

    /** Centroids for {@code k} clusters of {@code x}, started from {@code init}; empty clusters keep their centroid. */
    static float[] fit(float[] x, float[] init, int maxIterations) {
        float[] c = init.clone();
        Arrays.sort(c);
        int[] assign = new int[x.length];
        Arrays.fill(assign, -1);
        for (int it = 0; it < maxIterations; it++) {
            boolean changed = false;
            double[] sum = new double[c.length];
            int[] count = new int[c.length];
            for (int i = 0; i < x.length; i++) {
                int a = nearest(c, x[i]);
                if (a != assign[i]) {
                    assign[i] = a;
                    changed = true;
                }
                sum[a] += x[i];
                count[a]++;
            }
            if (!changed) {
                break;
            }
            for (int j = 0; j < c.length; j++) {
                if (count[j] > 0) {
                    c[j] = (float) (sum[j] / count[j]);
                }
            }
            Arrays.sort(c);
        }
        return c;
    }

    /** Index of the centroid nearest to {@code v} in sorted {@code c} (lower index on a tie). */
    static int nearest(float[] c, float v) {
        int lo = 0;
        int hi = c.length - 1;
        while (lo < hi) { // first centroid whose upper midpoint is >= v
            int mid = (lo + hi) >>> 1;
            if (v > (c[mid] + c[mid + 1]) / 2f) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    /** {@code k} centroids evenly spaced from min to max (TF Model Optimization's LINEAR initialisation). */
    static float[] linear(float[] x, int k) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        float[] c = new float[k];
        for (int j = 0; j < k; j++) {
            c[j] = (float) (min + (max - (double) min) * j / (k - 1));
        }
        return c;
    }

    /** k-means++ seeding (Arthur &amp; Vassilvitskii): each next centroid drawn with probability ∝ squared distance. */
    static float[] plusPlus(float[] x, int k, Random rng) {
        float[] c = new float[k];
        c[0] = x[rng.nextInt(x.length)];
        double[] d2 = new double[x.length];
        Arrays.fill(d2, Double.POSITIVE_INFINITY);
        for (int j = 1; j < k; j++) {
            double total = 0;
            for (int i = 0; i < x.length; i++) {
                double d = x[i] - c[j - 1];
                d2[i] = Math.min(d2[i], d * d);
                total += d2[i];
            }
            if (total == 0) { // fewer distinct values than clusters
                c[j] = c[j - 1];
                continue;
            }
            double r = rng.nextDouble() * total;
            int pick = x.length - 1;
            for (int i = 0; i < x.length; i++) {
                r -= d2[i];
                if (r <= 0) {
                    pick = i;
                    break;
                }
            }
            c[j] = x[pick];
        }
        return c;
    }
}
