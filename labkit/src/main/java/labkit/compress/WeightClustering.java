package labkit.compress;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import labkit.train.Fit;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Weight clustering (weight sharing, Han et al.'s Deep Compression; TF Model Optimization's
 * {@code cluster_weights}): the weights of each convolution and linear layer are grouped by k-means into
 * {@code k} clusters and every weight is replaced by its cluster's centroid, so a layer holds at most {@code k}
 * distinct values and can be stored as a small table plus {@code log2 k}-bit indices ({@link ClusteredModelFile}).
 * Centroids start linearly spaced between the layer's min and max, as TF does, or by k-means++.
 *
 * <p>{@link #attach(Fit.Builder)} fine-tunes the centroids with the assignment fixed: before every optimizer step
 * the gradients of a cluster's weights are summed (the centroid's gradient, as in Deep Compression), so all its
 * weights move together; after the step each cluster is set to the mean of its weights, so the layer never holds
 * more than {@code k} values.
 */
public final class WeightClustering {
    /** How the k-means centroids start. */
    public enum CentroidInit {
        /** Evenly spaced between the layer's smallest and largest weight (TF Model Optimization's LINEAR). */
        LINEAR,
        /** k-means++ seeding, seeded. */
        KMEANS_PLUS_PLUS
    }

    private final int k;
    private final Map<String, Parameter> layers;
    private final Map<String, int[]> assignments = new LinkedHashMap<>();
    private final Map<String, float[]> centroids = new LinkedHashMap<>();

    private WeightClustering(Builder b, Block root) {
        this.k = b.clusters;
        this.layers = WeightLayers.select(root, b.layers, "layers");
        Random rng = new Random(b.seed);
        for (Map.Entry<String, Parameter> e : layers.entrySet()) {
            NDArray w = e.getValue().getArray();
            float[] x = w.toFloatArray();
            int kk = Math.min(k, x.length);
            float[] init = b.init == CentroidInit.LINEAR || kk < 2 ? KMeans1d.linear(x, Math.max(2, kk))
                    : KMeans1d.plusPlus(x, kk, rng);
            float[] c = KMeans1d.fit(x, init, b.iterations);
            int[] a = new int[x.length];
            for (int i = 0; i < x.length; i++) {
                a[i] = KMeans1d.nearest(c, x[i]);
            }
            assignments.put(e.getKey(), a);
            centroids.put(e.getKey(), c);
        }
        project();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Clusters every conv/linear layer of {@code root} into {@code k} clusters (linear initialisation). */
    public static WeightClustering of(Block root, int k) {
        return builder().clusters(k).build(root);
    }

    /** Number of clusters per layer. */
    public int clusters() {
        return k;
    }

    /** The clustered layers' dotted names. */
    public List<String> layers() {
        return List.copyOf(layers.keySet());
    }

    /** The current centroids of {@code layer} (ascending at clustering time), a copy. */
    public float[] centroids(String layer) {
        return get(centroids, layer).clone();
    }

    /** The cluster index of every weight of {@code layer} (row-major), a copy. */
    public int[] assignments(String layer) {
        return get(assignments, layer).clone();
    }

    private <T> T get(Map<String, T> m, String layer) {
        T v = m.get(layer);
        if (v == null) {
            throw new IllegalArgumentException("layer: '" + layer + "' was not clustered; clustered layers are "
                    + layers.keySet());
        }
        return v;
    }

    /** Writes each cluster's mean back into all its weights (the centroids become those means). */
    public void project() {
        for (Map.Entry<String, Parameter> e : layers.entrySet()) {
            NDArray w = e.getValue().getArray();
            float[] x = w.toFloatArray();
            int[] a = assignments.get(e.getKey());
            float[] c = centroids.get(e.getKey());
            double[] sum = new double[c.length];
            int[] count = new int[c.length];
            for (int i = 0; i < x.length; i++) {
                sum[a[i]] += x[i];
                count[a[i]]++;
            }
            for (int j = 0; j < c.length; j++) {
                if (count[j] > 0) {
                    c[j] = (float) (sum[j] / count[j]);
                }
            }
            for (int i = 0; i < x.length; i++) {
                x[i] = c[a[i]];
            }
            w.set(FloatBuffer.wrap(x));
        }
    }

    /** Replaces each weight's gradient by the sum of the gradients in its cluster (the centroid's gradient). */
    public void shareGradients() {
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            for (Map.Entry<String, Parameter> e : layers.entrySet()) {
                NDArray w = e.getValue().getArray();
                if (!w.hasGradient()) {
                    continue;
                }
                NDArray g = w.getGradient();
                float[] x = g.toFloatArray();
                int[] a = assignments.get(e.getKey());
                double[] sum = new double[centroids.get(e.getKey()).length];
                for (int i = 0; i < x.length; i++) {
                    sum[a[i]] += x[i];
                }
                for (int i = 0; i < x.length; i++) {
                    x[i] = (float) sum[a[i]];
                }
                // in place: NDArray.set(buffer) would make the gradient tensor borrow this short-lived handle's
                // buffer (DJL keeps it alive only as long as the handle), and the optimizer would read freed memory
                g.muli(0).addi(g.getManager().create(x, g.getShape()).toType(g.getDataType(), false));
            }
        }
    }

    /** Fine-tunes centroids only: {@link #shareGradients()} before and {@link #project()} after every step. */
    public Fit.Builder attach(Fit.Builder fit) {
        return fit.beforeStep(this::shareGradients).afterStep(this::project);
    }

    /** One row per clustered layer: layer, weights, distinct values now in the weights, k. */
    public Table distinctValues() {
        StringColumn name = StringColumn.create("layer");
        IntColumn n = IntColumn.create("weights");
        IntColumn distinct = IntColumn.create("distinct_values");
        IntColumn kc = IntColumn.create("k");
        for (Map.Entry<String, Parameter> e : layers.entrySet()) {
            float[] x = e.getValue().getArray().toFloatArray();
            name.append(e.getKey());
            n.append(x.length);
            distinct.append(ClusteredModelFile.distinct(x).length);
            kc.append(k);
        }
        return Table.create("weight clustering, k = " + k, name, n, distinct, kc);
    }

    /** Settings of a {@link WeightClustering} (defaults: k = 16, LINEAR, all conv/linear layers, seed 0). */
    public static final class Builder {
        private int clusters = 16;
        private CentroidInit init = CentroidInit.LINEAR;
        private long seed;
        private int iterations = 100;
        private List<String> layers = List.of();

        private Builder() {}

        /** Clusters per layer, k ≥ 2 (8, 16, 32 in the course). */
        public Builder clusters(int k) {
            if (k < 2) {
                throw new IllegalArgumentException("clusters (k) must be >= 2, got " + k);
            }
            if (k > 65536) {
                throw new IllegalArgumentException("clusters (k) must be <= 65536 (16-bit indices), got " + k);
            }
            this.clusters = k;
            return this;
        }

        /** Centroid initialisation (LINEAR, as TF; or KMEANS_PLUS_PLUS). */
        public Builder init(CentroidInit init) {
            this.init = init;
            return this;
        }

        /** Seed of k-means++. */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** Maximum Lloyd iterations (default 100; stops earlier when no weight changes cluster). */
        public Builder iterations(int iterations) {
            if (iterations < 1) {
                throw new IllegalArgumentException("iterations must be >= 1, got " + iterations);
            }
            this.iterations = iterations;
            return this;
        }

        /** Clusters only these layers (dotted names); default all conv/linear layers. */
        public Builder layers(String... names) {
            this.layers = List.of(names);
            return this;
        }

        /** Clusters the layers of {@code root} now and replaces their weights by the centroids. */
        public WeightClustering build(Block root) {
            return new WeightClustering(this, root);
        }
    }
}
