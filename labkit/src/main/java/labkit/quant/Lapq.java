package labkit.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import labkit.nn.BlockTree;

/**
 * Loss-aware post-training quantization (LAPQ, Nahshan et al., "Loss Aware Post-training Quantization", 2019):
 * start from Lp-optimal clipping per tensor (prepare with e.g. {@link Calibration#lp(double)} and calibrate), then
 * search the step sizes of all quantized tensors <em>jointly</em> to minimise the task loss on a calibration set,
 * because per-tensor optimal ranges are not jointly optimal once the errors of many layers interact.
 *
 * <p>What it optimises: {@code loss(model quantized with scales s_1..s_n)}, one multiplier per activation
 * observer and one per weight layer (applied to all its channels), searched in log space with zero points kept
 * (so 0.0 stays exact). The search is Powell's method without its direction update, i.e. cyclic coordinate
 * descent: each sweep visits every multiplier and tries it at a few relative factors ({@code 0.8, 0.9, 1.1, 1.25},
 * then {@code 0.95, 1.05} in later sweeps), keeping a change only when the loss drops. The loss therefore never
 * increases: the result is at least as good as the Lp initialisation on the calibration set.
 * {@code loss} is called with the model in its quantized state (activations fake-quantized, weights on their
 * grids) and must be deterministic, e.g. the mean cross-entropy over a fixed set of calibration batches.
 */
public final class Lapq {
    private static final double[] COARSE = {0.8, 0.9, 1.1, 1.25};
    private static final double[] FINE = {0.95, 1.05};

    private Lapq() {}

    /**
     * The outcome of a search.
     *
     * @param model the converted model (what {@link Ptq#convert()} returns)
     * @param initialLoss the loss with the Lp initialisation
     * @param finalLoss the loss after the search (<= initialLoss)
     * @param evaluations how many times the loss was computed
     * @param multipliers the step-size multiplier found per tensor ("act:" / "weight:" + layer path)
     */
    public record Result(Block model, double initialLoss, double finalLoss, int evaluations,
                         Map<String, Double> multipliers) {}

    /** {@link #convert(Ptq, ToDoubleFunction, int)} with 2 sweeps. */
    public static Result convert(Ptq ptq, ToDoubleFunction<Block> loss) {
        return convert(ptq, loss, 2);
    }

    /**
     * Searches the step sizes of a calibrated (not converted) PTQ model for {@code sweeps} coordinate sweeps (the
     * first coarse, the others fine) and converts it with them.
     */
    public static Result convert(Ptq ptq, ToDoubleFunction<Block> loss, int sweeps) {
        if (ptq.isQat()) {
            throw new IllegalArgumentException("LAPQ is a post-training method: use Ptq.prepare, not Qat");
        }
        if (sweeps < 1) {
            throw new IllegalArgumentException("sweeps must be >= 1, got " + sweeps);
        }
        ptq.requireNotConverted("run LAPQ");
        Block model = ptq.model();
        List<String> keys = new ArrayList<>();
        List<QParams> init = new ArrayList<>();
        ptq.activationObservers().forEach((path, o) -> {
            if (!o.observer().hasObserved()) {
                throw new IllegalStateException("observer at '" + path + "' has seen no data: calibrate first");
            }
            keys.add("act:" + path);
            init.add(o.observer().calculateQParams());
        });
        Map<String, float[]> floatWeights = new LinkedHashMap<>();
        ptq.weightObservers().forEach((path, o) -> {
            keys.add("weight:" + path);
            init.add(o.calculateQParams());
            floatWeights.put(path, weight(model, path).toFloatArray());
        });
        double[] mult = new double[keys.size()];
        java.util.Arrays.fill(mult, 1.0);
        int[] evals = {0};
        double[] applied = new double[mult.length];
        java.util.Arrays.fill(applied, Double.NaN);
        ToDoubleFunction<double[]> f = mm -> {
            apply(ptq, keys, init, mm, applied, floatWeights); // only the tensors whose multiplier changed
            evals[0]++;
            double l = loss.applyAsDouble(model);
            if (Double.isNaN(l)) {
                throw new IllegalStateException("the LAPQ loss returned NaN");
            }
            return l;
        };
        double best;
        double initial;
        try {
            initial = f.applyAsDouble(mult);
            best = initial;
            for (int s = 0; s < sweeps; s++) {
                double[] factors = s == 0 ? COARSE : FINE;
                for (int i = 0; i < mult.length; i++) {
                    double keep = mult[i];
                    double bestHere = keep;
                    for (double fac : factors) {
                        mult[i] = keep * fac;
                        double l = f.applyAsDouble(mult);
                        if (l < best) {
                            best = l;
                            bestHere = mult[i];
                        }
                    }
                    mult[i] = bestHere;
                }
            }
        } finally {
            // float weights back in place: convert quantizes them with the chosen qparams
            floatWeights.forEach((path, w) -> weight(model, path).set(w));
        }
        Map<String, QParams> acts = new LinkedHashMap<>();
        Map<String, QParams> weights = new LinkedHashMap<>();
        Map<String, Double> found = new LinkedHashMap<>();
        for (int i = 0; i < keys.size(); i++) {
            String k = keys.get(i);
            found.put(k, mult[i]);
            QParams qp = scaled(init.get(i), mult[i]);
            if (k.startsWith("act:")) {
                acts.put(k.substring(4), qp);
            } else {
                weights.put(k.substring(7), qp);
            }
        }
        Block converted = ptq.convert(acts, weights);
        return new Result(converted, initial, best, evals[0], found);
    }

    /**
     * Freezes each activation and sets each weight to its fake-quantized value with multiplied scales, for the
     * tensors whose multiplier differs from {@code applied} (updated).
     */
    private static void apply(Ptq ptq, List<String> keys, List<QParams> init, double[] mult, double[] applied,
                              Map<String, float[]> floatWeights) {
        Block model = ptq.model();
        for (int i = 0; i < keys.size(); i++) {
            if (mult[i] == applied[i]) {
                continue;
            }
            applied[i] = mult[i];
            String k = keys.get(i);
            QParams qp = scaled(init.get(i), mult[i]);
            if (k.startsWith("act:")) {
                ptq.activationObservers().get(k.substring(4)).freeze(qp);
            } else {
                String path = k.substring(7);
                NDArray w = weight(model, path);
                float[] fw = floatWeights.get(path);
                try (NDArray src = w.getManager().create(fw, w.getShape());
                     NDArray fq = Quantizer.fakeQuantize(src, qp, false)) {
                    w.set(fq.toFloatArray());
                }
            }
        }
    }

    /** {@code qp} with every scale multiplied by {@code m} (zero points kept). */
    static QParams scaled(QParams qp, double m) {
        float[] s = qp.scale();
        for (int i = 0; i < s.length; i++) {
            s[i] = Math.max((float) (s[i] * m), Observer.EPS);
        }
        return new QParams(s, qp.zeroPoint(), qp.axis(), qp.qscheme(), qp.dtype(), qp.quantMin(), qp.quantMax());
    }

    private static NDArray weight(Block model, String path) {
        Parameter p = BlockTree.parameters(BlockTree.get(model, path)).get("weight");
        return p.getArray();
    }
}
