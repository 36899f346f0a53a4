package labkit.compress;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import labkit.train.Fit;
import tech.tablesaw.api.Table;

/**
 * Unstructured magnitude pruning, like {@code torch.nn.utils.prune.l1_unstructured} (layer-wise) and
 * {@code global_unstructured}: the smallest-magnitude weights of the convolution and linear layers are set to
 * zero, {@code round(sparsity · n)} of them, per layer or across all chosen layers at once. A 0/1 mask per layer
 * remembers which weights are gone; {@link #attach(Fit.Builder)} re-applies the masks after every optimizer step,
 * so pruned weights stay exactly zero while the network fine-tunes, and re-prunes at the start of every epoch when
 * the schedule is gradual. {@link #remove()} drops the masks (PyTorch's {@code prune.remove}): the zeros stay in
 * plain weights. Biases and BatchNorm parameters are never pruned.
 *
 * <pre>{@code
 * MagnitudePruning p = MagnitudePruning.builder().global(true)
 *         .schedule(PruningSchedule.polynomialDecay(0, 0.8, 0, 3)).build(model.getBlock());
 * fit = p.attach(Fit.builder(model, loss).epochs(5)).build();  fit.fit(train, val);
 * p.remove();  show(Sparsity.table(model.getBlock()));
 * }</pre>
 */
public final class MagnitudePruning implements AutoCloseable {
    private final Map<String, Parameter> layers;
    private final boolean global;
    private final PruningSchedule schedule;
    private final Map<String, NDArray> masks = new LinkedHashMap<>();
    private NDManager maskManager;
    private double target = -1;

    private MagnitudePruning(Builder b, Block root) {
        this.layers = WeightLayers.select(root, b.layers, "layers");
        this.global = b.global;
        this.schedule = b.schedule;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Prunes every conv/linear layer of {@code root} to {@code sparsity}, layer by layer, once. */
    public static MagnitudePruning layerwise(Block root, double sparsity) {
        return builder().sparsity(sparsity).build(root);
    }

    /** Prunes the smallest weights of all conv/linear layers of {@code root} together to {@code sparsity}, once. */
    public static MagnitudePruning global(Block root, double sparsity) {
        return builder().global(true).sparsity(sparsity).build(root);
    }

    /** The dotted names of the pruned layers. */
    public List<String> layers() {
        return List.copyOf(layers.keySet());
    }

    /** The sparsity the masks were last made for. */
    public double targetSparsity() {
        return target;
    }

    /**
     * Recomputes the masks for {@code sparsity} from the current weight magnitudes and zeroes the pruned weights.
     * Weights already zero are the smallest, so a rising schedule keeps earlier decisions.
     */
    public MagnitudePruning prune(double sparsity) {
        WeightLayers.checkSparsity(sparsity, "sparsity");
        if (masks.isEmpty() && maskManager == null) {
            maskManager = layers.values().iterator().next().getArray().getManager().newSubManager();
        }
        Map<String, float[]> mags = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : layers.entrySet()) {
            float[] w = e.getValue().getArray().toFloatArray();
            for (int i = 0; i < w.length; i++) {
                w[i] = Math.abs(w[i]);
            }
            mags.put(e.getKey(), w);
        }
        Map<String, boolean[]> keep = new LinkedHashMap<>();
        if (global) {
            int total = mags.values().stream().mapToInt(a -> a.length).sum();
            float[] all = new float[total];
            int off = 0;
            for (float[] a : mags.values()) {
                System.arraycopy(a, 0, all, off, a.length);
                off += a.length;
            }
            boolean[] k = keepLargest(all, (int) Math.round(sparsity * total));
            off = 0;
            for (Map.Entry<String, float[]> e : mags.entrySet()) {
                keep.put(e.getKey(), Arrays.copyOfRange(k, off, off + e.getValue().length));
                off += e.getValue().length;
            }
        } else {
            mags.forEach((name, a) -> keep.put(name, keepLargest(a, (int) Math.round(sparsity * a.length))));
        }
        for (Map.Entry<String, Parameter> e : layers.entrySet()) {
            boolean[] k = keep.get(e.getKey());
            float[] m = new float[k.length];
            for (int i = 0; i < k.length; i++) {
                m[i] = k[i] ? 1f : 0f;
            }
            NDArray w = e.getValue().getArray();
            NDArray mask = maskManager.create(m, w.getShape()).toType(w.getDataType(), false);
            NDArray old = masks.put(e.getKey(), mask);
            if (old != null) {
                old.close();
            }
        }
        target = sparsity;
        apply();
        return this;
    }

    /** Keep-flags with exactly {@code prune} false entries: the smallest values, ties broken by position. */
    static boolean[] keepLargest(float[] mag, int prune) {
        boolean[] keep = new boolean[mag.length];
        Arrays.fill(keep, true);
        if (prune <= 0) {
            return keep;
        }
        float[] sorted = mag.clone();
        Arrays.sort(sorted);
        float thr = sorted[prune - 1];
        int below = 0;
        for (float v : mag) {
            if (v < thr) {
                below++;
            }
        }
        int ties = prune - below;
        for (int i = 0; i < mag.length; i++) {
            if (mag[i] < thr) {
                keep[i] = false;
            } else if (mag[i] == thr && ties > 0) {
                keep[i] = false;
                ties--;
            }
        }
        return keep;
    }

    /** Multiplies every weight by its mask (run after each optimizer step by {@link #attach}). */
    public void apply() {
        for (Map.Entry<String, NDArray> e : masks.entrySet()) {
            layers.get(e.getKey()).getArray().muli(e.getValue());
        }
    }

    /**
     * Wires the pruning into a fit: before epoch {@code e} the masks are made for {@code schedule.sparsity(e)} (when
     * it changed), after every optimizer step they are re-applied. Also prunes now for epoch 0.
     */
    public Fit.Builder attach(Fit.Builder fit) {
        prune(schedule.sparsity(0));
        fit.onEpochStart(e -> {
            double s = schedule.sparsity(e);
            if (s != target) {
                prune(s);
            }
        });
        fit.afterStep(this::apply);
        return fit;
    }

    /** The current masks by layer name (1 keeps a weight, 0 prunes it); live arrays, closed by {@link #remove()}. */
    public Map<String, NDArray> masks() {
        return Map.copyOf(masks);
    }

    /** Per-layer sparsity of the pruned layers, counted in the weights themselves (see {@link Sparsity#table}). */
    public Table sparsityTable() {
        return Sparsity.table(layers);
    }

    /**
     * Makes the pruning permanent: applies the masks a last time and drops them, leaving plain weights with
     * zeros (PyTorch's {@code prune.remove}). Do not call {@link #apply()} afterwards.
     */
    public void remove() {
        if (!masks.isEmpty()) {
            apply();
        }
        masks.values().forEach(NDArray::close);
        masks.clear();
        if (maskManager != null) {
            maskManager.close();
            maskManager = null;
        }
    }

    /** Same as {@link #remove()}. */
    @Override
    public void close() {
        remove();
    }

    /** Settings of a {@link MagnitudePruning} (defaults: all conv/linear layers, layer-wise, no sparsity). */
    public static final class Builder {
        private List<String> layers = List.of();
        private boolean global;
        private PruningSchedule schedule = PruningSchedule.constant(0);

        private Builder() {}

        /** Prunes only these layers (dotted names such as {@code "features.0.0"}); default all conv/linear layers. */
        public Builder layers(String... names) {
            this.layers = List.of(names);
            return this;
        }

        /** True: one magnitude threshold across all layers; false (default): the same sparsity in each layer. */
        public Builder global(boolean global) {
            this.global = global;
            return this;
        }

        /** One-shot pruning to {@code sparsity} in [0, 1). */
        public Builder sparsity(double sparsity) {
            this.schedule = PruningSchedule.constant(sparsity);
            return this;
        }

        /** Gradual pruning: sparsity per epoch (see {@link PruningSchedule#polynomialDecay}). */
        public Builder schedule(PruningSchedule schedule) {
            if (schedule == null) {
                throw new IllegalArgumentException("schedule must not be null");
            }
            this.schedule = schedule;
            return this;
        }

        /**
         * Binds the pruning to the layers of {@code root} and prunes them to the schedule's epoch-0 sparsity (so a
         * one-shot pruning is done when this returns).
         */
        public MagnitudePruning build(Block root) {
            MagnitudePruning p = new MagnitudePruning(this, root);
            if (p.layers.isEmpty()) {
                throw new IllegalArgumentException("the model has no convolution or linear layer to prune");
            }
            p.prune(schedule.sparsity(0));
            return p;
        }
    }
}
