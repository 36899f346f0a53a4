package labkit.compress;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import labkit.nn.BlockTree;

/** The convolution and linear layers of a block tree by dotted name, each with its weight parameter. */
final class WeightLayers {
    private WeightLayers() {}

    /**
     * The weights of the named layers, or of every Conv/Linear layer when {@code names} is empty. An unknown
     * name raises an error that lists the layers there are.
     */
    static Map<String, Parameter> select(Block root, List<String> names, String argument) {
        if (!root.isInitialized()) {
            throw new IllegalStateException("initialise (or train) the model before compressing it: its weights are"
                    + " not there yet");
        }
        Map<String, Parameter> all = new LinkedHashMap<>();
        BlockTree.visit(root, (path, b) -> {
            if (b instanceof Convolution || b instanceof Linear) {
                all.put(path, b.getParameters().get("weight"));
            }
        });
        if (names.isEmpty()) {
            return all;
        }
        Map<String, Parameter> out = new LinkedHashMap<>();
        List<String> unknown = new ArrayList<>();
        for (String n : names) {
            Parameter p = all.get(n);
            if (p == null) {
                unknown.add(n);
            } else {
                out.put(n, p);
            }
        }
        if (!unknown.isEmpty()) {
            throw new IllegalArgumentException(argument + ": no convolution or linear layer named " + unknown
                    + " in this model; its layers are " + all.keySet());
        }
        return out;
    }

    static void checkSparsity(double s, String argument) {
        if (!(s >= 0 && s < 1)) {
            throw new IllegalArgumentException(argument + " must be in [0, 1) (the fraction of weights set to zero), got "
                    + s);
        }
    }
}
