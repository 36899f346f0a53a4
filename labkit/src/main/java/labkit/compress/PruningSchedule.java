package labkit.compress;

/**
 * Target sparsity per epoch for magnitude pruning: one-shot ({@link #constant}) or gradual, following Zhu &amp;
 * Gupta (2017) as TF Model Optimization's {@code PolynomialDecay} does:
 * {@code s(t) = s_f + (s_i − s_f)·(1 − (t − t0)/(t1 − t0))³} for epochs {@code t0 ≤ t ≤ t1}, no pruning before
 * {@code t0} and {@code s_f} after {@code t1}. Sparsity rises quickly at first, while the network still has many
 * redundant weights, then slowly.
 */
@FunctionalInterface
public interface PruningSchedule {
    /** The target sparsity (fraction of zero weights) for the 0-based {@code epoch}. */
    double sparsity(int epoch);

    /** Prunes to {@code sparsity} at once and keeps it. */
    static PruningSchedule constant(double sparsity) {
        WeightLayers.checkSparsity(sparsity, "sparsity");
        return epoch -> sparsity;
    }

    /**
     * Zhu &amp; Gupta's cubic schedule from {@code initialSparsity} at epoch {@code beginEpoch} to
     * {@code finalSparsity} at {@code endEpoch} (inclusive, 0-based).
     */
    static PruningSchedule polynomialDecay(double initialSparsity, double finalSparsity, int beginEpoch, int endEpoch) {
        return polynomialDecay(initialSparsity, finalSparsity, beginEpoch, endEpoch, 3);
    }

    /** As {@link #polynomialDecay(double, double, int, int)} with another {@code power}. */
    static PruningSchedule polynomialDecay(double initialSparsity, double finalSparsity, int beginEpoch, int endEpoch,
            double power) {
        WeightLayers.checkSparsity(initialSparsity, "initialSparsity");
        WeightLayers.checkSparsity(finalSparsity, "finalSparsity");
        if (beginEpoch < 0 || endEpoch < beginEpoch) {
            throw new IllegalArgumentException("need 0 <= beginEpoch <= endEpoch, got beginEpoch=" + beginEpoch
                    + ", endEpoch=" + endEpoch);
        }
        if (!(power > 0)) {
            throw new IllegalArgumentException("power must be > 0, got " + power);
        }
        return epoch -> {
            if (epoch < beginEpoch) {
                return 0;
            }
            if (epoch >= endEpoch) {
                return finalSparsity;
            }
            double progress = (epoch - beginEpoch) / (double) (endEpoch - beginEpoch);
            return finalSparsity + (initialSparsity - finalSparsity) * Math.pow(1 - progress, power);
        };
    }
}
