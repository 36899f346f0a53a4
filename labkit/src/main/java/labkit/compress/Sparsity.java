package labkit.compress;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.List;
import java.util.Map;
import labkit.nn.BlockTree;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** Counts of zero weights, per convolution/linear layer and over a whole model, read from the weights themselves. */
public final class Sparsity {
    private Sparsity() {}

    /** One row per conv/linear layer: layer, parameters (weight elements), zeros, sparsity; and a "total" row. */
    public static Table table(Block root) {
        return table(WeightLayers.select(root, List.of(), "layers"));
    }

    static Table table(Map<String, Parameter> layers) {
        StringColumn name = StringColumn.create("layer");
        LongColumn params = LongColumn.create("weights");
        LongColumn zeros = LongColumn.create("zeros");
        DoubleColumn sparsity = DoubleColumn.create("sparsity");
        long tp = 0;
        long tz = 0;
        for (Map.Entry<String, Parameter> e : layers.entrySet()) {
            float[] w = e.getValue().getArray().toFloatArray();
            long z = 0;
            for (float v : w) {
                if (v == 0f) {
                    z++;
                }
            }
            name.append(e.getKey());
            params.append(w.length);
            zeros.append(z);
            sparsity.append(Math.round(z * 10000.0 / w.length) / 10000.0);
            tp += w.length;
            tz += z;
        }
        name.append("total");
        params.append(tp);
        zeros.append(tz);
        sparsity.append(tp == 0 ? 0 : Math.round(tz * 10000.0 / tp) / 10000.0);
        return Table.create("sparsity per layer", name, params, zeros, sparsity);
    }

    /** Parameters (all trainable ones, biases and BatchNorm included) that are not zero. */
    public static long nonZeroParameters(Block root) {
        long n = 0;
        for (Parameter p : BlockTree.parameters(root).values()) {
            if (p.requiresGradient() && p.getArray() != null) {
                for (float v : p.getArray().toFloatArray()) {
                    if (v != 0f) {
                        n++;
                    }
                }
            }
        }
        return n;
    }

    /** Fraction of zero weights over all conv/linear layers. */
    public static double overall(Block root) {
        Table t = table(root);
        return t.doubleColumn("sparsity").get(t.rowCount() - 1);
    }
}
