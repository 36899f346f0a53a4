package labkit.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.LinkedHashMap;
import java.util.Map;
import labkit.nn.BlockTree;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Empirical bias correction (Nagel et al., "Data-Free Quantization", ICCV 2019, §4.2; Banner et al. correct the
 * same bias): rounding a weight shifts the mean of every output, {@code E[(W_q - W) x] = (W_q - W) E[x]}, and
 * that shift is removed by subtracting it from the layer's bias. It optimises the expected per-channel output
 * error of each conv/linear layer (makes it zero for the calibration data's input means), not the loss.
 * {@link #apply} runs before {@link Ptq#convert()}: it records each weight layer's per-channel input mean over the
 * given batches, quantizes the weight with the qparams its observer gives now (the same ones convert uses), and
 * adds {@code -(W_q - W) E[x]} (summed over the kernel; per group for grouped convs) to the bias, which convert
 * then puts on its int32 grid. The activation observers see the batches once more (min/max and sampled ranges
 * are unchanged when they are the calibration batches).
 */
public final class BiasCorrection {
    private BiasCorrection() {}

    /**
     * Corrects the biases of {@code ptq}'s weight layers (calibrated, not converted) from {@code batches}; returns
     * one row per layer: layer, mean |correction|, max |correction| (layers without a bias are listed with NaN).
     */
    public static Table apply(Ptq ptq, Iterable<NDArray> batches) {
        if (ptq.isQat()) {
            throw new IllegalArgumentException("bias correction is a PTQ step: QAT learns its biases");
        }
        ptq.requireNotConverted("correct biases");
        Block model = ptq.model();
        Map<String, InputMeanRecorder> recorders = new LinkedHashMap<>();
        for (String path : ptq.weightObservers().keySet()) {
            InputMeanRecorder r = new InputMeanRecorder(BlockTree.get(model, path));
            BlockTree.replace(model, path, r);
            recorders.put(path, r);
        }
        try {
            int n = 0;
            for (NDArray b : batches) {
                ptq.calibrate(b);
                n++;
            }
            if (n == 0) {
                throw new IllegalArgumentException("bias correction needs at least one batch");
            }
        } finally {
            recorders.forEach((path, r) -> BlockTree.replace(model, path, r.inner()));
        }
        StringColumn layer = StringColumn.create("layer");
        DoubleColumn meanAbs = DoubleColumn.create("mean_abs_correction");
        DoubleColumn maxAbs = DoubleColumn.create("max_abs_correction");
        for (Map.Entry<String, Observer> e : ptq.weightObservers().entrySet()) {
            String path = e.getKey();
            Map<String, Parameter> params = BlockTree.parameters(BlockTree.get(model, path));
            Parameter bp = params.get("bias");
            layer.append(path);
            if (bp == null || bp.getArray() == null) {
                meanAbs.append(Double.NaN);
                maxAbs.append(Double.NaN);
                continue;
            }
            float[] delta = correction(params.get("weight").getArray(), e.getValue().calculateQParams(),
                    recorders.get(path).means());
            NDArray b = bp.getArray();
            float[] bias = b.toFloatArray();
            double sum = 0;
            double max = 0;
            for (int o = 0; o < bias.length; o++) {
                bias[o] += delta[o];
                sum += Math.abs(delta[o]);
                max = Math.max(max, Math.abs(delta[o]));
            }
            b.set(bias);
            meanAbs.append(sum / bias.length);
            maxAbs.append(max);
        }
        return Table.create("bias correction", layer, meanAbs, maxAbs);
    }

    /**
     * {@code -(W_q - W) E[x]} per output channel for a weight {@code [O, I/g, ...]} or {@code [O, I]} and input
     * means {@code [I]} (groups {@code g = I / weight.shape[1]}).
     */
    static float[] correction(NDArray weight, QParams qp, float[] inputMeans) {
        long[] shape = weight.getShape().getShape();
        int out = (int) shape[0];
        int inPerGroup = (int) shape[1];
        if (inputMeans.length % inPerGroup != 0) {
            throw new IllegalArgumentException("weight " + weight.getShape() + " does not fit an input of "
                    + inputMeans.length + " channels");
        }
        int groups = inputMeans.length / inPerGroup;
        int outPerGroup = out / groups;
        float[] w = weight.toFloatArray();
        float[] wq;
        try (NDManager m = NDManager.newBaseManager();
             NDArray fq = Quantizer.fakeQuantize(m.create(w, weight.getShape()), qp, false)) {
            wq = fq.toFloatArray();
        }
        int kernel = w.length / (out * inPerGroup);
        float[] delta = new float[out];
        for (int o = 0; o < out; o++) {
            int g = o / outPerGroup;
            double d = 0;
            for (int j = 0; j < inPerGroup; j++) {
                double s = 0;
                int off = (o * inPerGroup + j) * kernel;
                for (int k = 0; k < kernel; k++) {
                    s += (double) wq[off + k] - w[off + k];
                }
                d += s * inputMeans[g * inPerGroup + j];
            }
            delta[o] = (float) -d;
        }
        return delta;
    }
}
