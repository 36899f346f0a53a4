package labkit.export;

import java.util.Map;
import java.util.TreeSet;

/**
 * Where a static QDQ int8 export puts its quantization: {@code input} (QuantizeLinear→DequantizeLinear on the graph
 * input, or null), {@code activations} (QDQ after the block at each dotted path) and {@code weights} (int8 weights
 * for the Conv2d/Linear at each path; biases then become int32 with scale input × weight scale). Every path must
 * exist in the model — the export fails naming the ones it never met.
 */
public record QdqPlan(QdqParams input, Map<String, QdqParams> activations, Map<String, QdqParams> weights) {
    public QdqPlan {
        activations = Map.copyOf(activations);
        weights = Map.copyOf(weights);
    }

    /**
     * The plan of a converted labkit PTQ (or QAT) model: its observers' activation qparams are read from the
     * {@link labkit.quant.Observed} wrappers during the export, the weight qparams (per-channel or per-tensor, as
     * the qconfig chose) come from {@code ptq.weightQParams()}.
     */
    public static QdqPlan of(labkit.quant.Ptq ptq) {
        if (ptq.weightQParams().isEmpty()) {
            throw new IllegalStateException("the PTQ model is not converted: calibrate it and call ptq.convert() first");
        }
        Map<String, QdqParams> w = new java.util.LinkedHashMap<>();
        ptq.weightQParams().forEach((k, v) -> w.put(k, QuantExporters.toQdq(v)));
        return new QdqPlan(null, Map.of(), w);
    }

    /** Paths named in the plan that the export did not meet. */
    static String unused(QdqPlan plan, java.util.Set<String> metActivations, java.util.Set<String> metWeights) {
        TreeSet<String> a = new TreeSet<>(plan.activations().keySet());
        a.removeAll(metActivations);
        TreeSet<String> w = new TreeSet<>(plan.weights().keySet());
        w.removeAll(metWeights);
        return a.isEmpty() && w.isEmpty() ? null : "activations " + a + ", weights " + w;
    }
}
