package labkit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.evaluator.Evaluator;
import java.util.HashMap;
import java.util.Map;

/**
 * {@link Ssim} as a DJL {@link Evaluator}, so {@link Fit} reports it per epoch (history columns
 * {@code train_ssim}/{@code val_ssim}): the mean of per-image SSIM over the epoch, as torchmetrics accumulates it.
 */
public final class SsimEvaluator extends Evaluator {
    private final double dataRange;
    private final Map<String, double[]> sums = new HashMap<>();

    /** SSIM with torchmetrics' defaults for data spanning {@code dataRange} (1.0 for depth / max depth). */
    public SsimEvaluator(double dataRange) {
        super("SSIM");
        new Ssim(dataRange); // validates
        this.dataRange = dataRange;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        return new Ssim(dataRange).perImage(predictions.head(), labels.head()).mean();
    }

    @Override
    public void addAccumulator(String key) {
        sums.put(key, new double[2]);
    }

    @Override
    public void updateAccumulator(String key, NDList labels, NDList predictions) {
        float[] per = new Ssim(dataRange).perImage(predictions.head(), labels.head()).toFloatArray();
        double[] acc = sums.computeIfAbsent(key, k -> new double[2]);
        for (float v : per) {
            acc[0] += v;
        }
        acc[1] += per.length;
    }

    @Override
    public void resetAccumulator(String key) {
        sums.put(key, new double[2]);
    }

    @Override
    public float getAccumulator(String key) {
        double[] acc = sums.get(key);
        if (acc == null || acc[1] == 0) {
            throw new IllegalStateException("SSIM accumulator '" + key + "' has seen no batch");
        }
        return (float) (acc[0] / acc[1]);
    }
}
