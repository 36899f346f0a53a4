package labkit.weights;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

/**
 * The closed-formula weights of src/test/python/make_mapping_fixtures.py, recomputed bit for bit: an integer hash
 * of (key, element index) mapped to a uniform u in [0, 1), then scaled by the kind of tensor. Lets a test load
 * full-size torchvision architectures (millions of parameters) whose reference logits torch computed, without
 * storing their weights.
 */
final class FormulaWeights {
    private FormulaWeights() {}

    static int keyHash(String key) {
        long h = 0;
        for (int i = 0; i < key.length(); i++) {
            h = (h * 31 + key.charAt(i)) % 1000003;
        }
        return (int) h;
    }

    /** u in [0, 1) for element {@code index} of tensor {@code key} (exact 32-bit integer arithmetic). */
    static double uniform(long keyHashTimesGolden, long index) {
        long z = (index + keyHashTimesGolden) & 0xFFFFFFFFL;
        for (int r = 0; r < 2; r++) {
            z = ((z ^ (z >>> 16)) * 0x45D9F3BL) & 0xFFFFFFFFL;
        }
        z = z ^ (z >>> 16);
        return z / 4294967296.0;
    }

    /** The tensor the formula gives for {@code key} with {@code shape}. */
    static TensorData tensor(String key, long[] shape) {
        return tensor(key, shape, 1.0);
    }

    /**
     * The formula with the variance of the weights of 2 or more dimensions multiplied by {@code gain}: their scale
     * is sqrt(3 gain / fan_in) (make_mapping_fixtures.value(key, shape, gain); gain 1 is the plain formula).
     */
    static TensorData tensor(String key, long[] shape, double gain) {
        if (key.endsWith("num_batches_tracked")) {
            return TensorData.of(new long[] {0});
        }
        int n = (int) TensorData.numel(shape);
        long golden = keyHash(key) * 0x9E3779B9L;
        long fanIn = 1;
        for (int i = 1; i < shape.length; i++) {
            fanIn *= shape[i];
        }
        double scale = Math.sqrt(3.0 * gain / fanIn);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double u = uniform(golden, i);
            double x;
            if (key.endsWith("running_mean")) {
                x = 0.2 * (u - 0.5);
            } else if (key.endsWith("running_var")) {
                x = 0.75 + 0.5 * u;
            } else if (shape.length >= 2) {
                x = (2 * u - 1) * scale;
            } else if (key.endsWith("weight")) {
                x = 0.8 + 0.4 * u;
            } else if (key.endsWith("bias")) {
                x = 0.2 * (u - 0.5);
            } else {
                throw new IllegalArgumentException("no formula for " + key);
            }
            v[i] = (float) x;
        }
        return TensorData.of(v, shape);
    }

    /** The formula input, 2u - 1 under the key "input". */
    static float[] input(long[] shape) {
        int n = (int) TensorData.numel(shape);
        long golden = keyHash("input") * 0x9E3779B9L;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (2 * uniform(golden, i) - 1);
        }
        return v;
    }

    /** A state dict with torchvision's keys and shapes as listed in a formula fixture ("keys": [[key, shape]]). */
    static StateDict stateDict(JsonObject fixture) {
        StateDict sd = new StateDict();
        for (JsonElement e : fixture.getAsJsonArray("keys")) {
            JsonArray kv = e.getAsJsonArray();
            JsonArray s = kv.get(1).getAsJsonArray();
            long[] shape = new long[s.size()];
            for (int i = 0; i < shape.length; i++) {
                shape[i] = s.get(i).getAsLong();
            }
            String key = kv.get(0).getAsString();
            sd.put(key, tensor(key, shape));
        }
        return sd;
    }
}
