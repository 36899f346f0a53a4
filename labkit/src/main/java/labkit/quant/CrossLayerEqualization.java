package labkit.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import labkit.nn.Act;
import labkit.nn.BlockTree;
import labkit.nn.ConvAct;
import labkit.nn.Identity;
import labkit.nn.InvertedResidual;
import labkit.nn.Sequential;
import labkit.nn.Wrapper;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Cross-layer equalization (Nagel et al., ICCV 2019, "Data-Free Quantization"): for two layers with a ReLU
 * between, output channel i of the first is divided by {@code s_i = sqrt(r1_i / r2_i)} (weights and bias) and input
 * channel i of the second multiplied by it, so both per-channel weight ranges (max − min as PyTorch's
 * {@code _equalize}, or {@code max|W|}) become
 * {@code sqrt(r1_i r2_i)} while the function is unchanged (ReLU is positively homogeneous). Works on a
 * BN-fused model ({@link BnFusion#fuse}): pairs are consecutive {@link ConvAct}s with ReLU followed by a Conv2d
 * (full or depthwise) or Linear, along the forward order of {@link Sequential}s and non-residual
 * {@link InvertedResidual}s; chains (conv → depthwise → conv) are equalized pairwise, iterating until the
 * scales stop changing. ReLU6 pairs are skipped (the clip at 6 is not scale-equivariant: use ReLU models).
 *
 * <p>High-bias absorption (the paper's section 4.2) is opt-in: {@link #absorbHighBias(Block, Map, Result)} after
 * {@link #equalize}, with the BatchNorm γ/β that {@link BnFusion#fuseKeepingStatistics} kept:
 * <pre>
 * BnFusion.Fusion f = BnFusion.fuseKeepingStatistics(model);
 * CrossLayerEqualization.Result r = CrossLayerEqualization.equalize(model);
 * List&lt;Absorbed&gt; a = CrossLayerEqualization.absorbHighBias(model, f.statistics(), r);
 * Table t = CrossLayerEqualization.absorptionTable(a);
 * </pre>
 */
public final class CrossLayerEqualization {
    private CrossLayerEqualization() {}

    /** How a channel's weight range is measured. */
    public enum Range {
        /** {@code max(W_i) - min(W_i)}, as PyTorch's {@code torch.ao.quantization._equalize.channel_range} (default). */
        MAX_MINUS_MIN,
        /** {@code max|W_i|}, the symmetric-quantization range (AIMET's choice). */
        MAX_ABS
    }

    /** Two layers (dotted paths) equalized together. */
    public record Pair(String first, String second) {}

    /**
     * What was done: the pairs found, the number of sweeps until convergence, and per first layer of a pair
     * (by path) the factor {@code s_i} each of its output channels was divided by over all sweeps (what
     * {@link #absorbHighBias(Block, Map, Result)} needs to rescale that layer's BatchNorm statistics).
     */
    public record Result(List<Pair> pairs, int iterations, Map<String, double[]> scales) {}

    /**
     * High-bias absorption for one pair: {@code amount[i] = max(0, β_i − 3|γ_i|)} (after equalization's scaling)
     * was taken from the first layer's bias and {@code Σ W2[:, i] · amount[i]} added to the second's.
     *
     * @param first path of the first layer (conv + ReLU)
     * @param second path of the second layer
     * @param amount per output channel of the first layer, what was absorbed (0 where nothing could be)
     * @param note empty when absorbed; otherwise why the pair was left alone
     */
    public record Absorbed(String first, String second, float[] amount, String note) {
        /** Output channels of the first layer. */
        public int channels() {
            return amount.length;
        }

        /** Channels with a positive absorbed amount. */
        public int absorbedChannels() {
            int n = 0;
            for (float a : amount) {
                n += a > 0 ? 1 : 0;
            }
            return n;
        }

        /** Largest absorbed amount. */
        public float max() {
            float m = 0;
            for (float a : amount) {
                m = Math.max(m, a);
            }
            return m;
        }

        /** Mean absorbed amount over all channels. */
        public double mean() {
            double t = 0;
            for (float a : amount) {
                t += a;
            }
            return amount.length == 0 ? 0 : t / amount.length;
        }
    }

    private record Unit(String path, Block layer, Act act) {}

    /**
     * Equalizes every eligible pair in {@code model} (changed in place) with PyTorch's range (max − min), at most
     * 100 sweeps, until {@code max |s_i − 1| < 1e-6}.
     */
    public static Result equalize(Block model) {
        return equalize(model, Range.MAX_MINUS_MIN, 100, 1e-6);
    }

    /** As {@link #equalize(Block)} with a chosen range, sweep limit and tolerance on {@code max |s_i - 1|}. */
    public static Result equalize(Block model, Range range, int maxIterations, double tolerance) {
        if (!model.isInitialized()) {
            throw new IllegalStateException("initialize the model (and fuse BatchNorm) before equalizing");
        }
        List<Unit[]> pairs = pairs(model);
        Map<String, double[]> scales = new LinkedHashMap<>();
        for (Unit[] p : pairs) {
            double[] ones = new double[(int) weight(p[0].layer()).getShape().get(0)];
            java.util.Arrays.fill(ones, 1.0);
            scales.put(p[0].path(), ones);
        }
        int it = 0;
        while (it < maxIterations) {
            it++;
            double change = 0;
            for (Unit[] p : pairs) {
                change = Math.max(change, equalizePair(p[0].layer(), p[1].layer(), range, scales.get(p[0].path())));
            }
            if (change < tolerance) {
                break;
            }
        }
        List<Pair> out = new ArrayList<>();
        for (Unit[] p : pairs) {
            out.add(new Pair(p[0].path(), p[1].path()));
        }
        return new Result(out, pairs.isEmpty() ? 0 : it, Collections.unmodifiableMap(scales));
    }

    /** Consecutive (conv/linear + ReLU, conv/linear) pairs along the forward order. */
    private static List<Unit[]> pairs(Block model) {
        List<List<Unit>> seqs = new ArrayList<>();
        sequences(model, "", seqs);
        List<Unit[]> pairs = new ArrayList<>();
        for (List<Unit> seq : seqs) {
            for (int i = 0; i + 1 < seq.size(); i++) {
                Unit a = seq.get(i);
                Unit b = seq.get(i + 1);
                if (a.act() != null && a.act().kind() == Act.Kind.RELU && compatible(a.layer(), b.layer())) {
                    pairs.add(new Unit[] {a, b});
                }
            }
        }
        return pairs;
    }

    /**
     * High-bias absorption without equalization: as {@link #absorbHighBias(Block, Map, Result)} with every
     * scale 1.
     */
    public static List<Absorbed> absorbHighBias(Block model, Map<String, BnFusion.BnStats> statistics) {
        return absorbHighBias(model, statistics, null);
    }

    /**
     * High-bias absorption (Nagel et al. 2019, section 4.2), in place, for every pair conv1 (BN folded) → ReLU →
     * conv2/linear that {@link #equalize} would pair. With the folded BN's {@code β, γ} of conv1 (from
     * {@link BnFusion#fuseKeepingStatistics}), divided by the scales {@code equalized} applied to conv1's output
     * channels (null: none), {@code c = max(0, β − 3|γ|)} per channel (the paper writes {@code β − 3γ} for γ > 0)
     * is subtracted from conv1's bias and {@code W2·c} (summed over input channels and kernel taps) added to
     * conv2's bias. Since {@code relu(y) = relu(y − c) + c} wherever {@code y ≥ c}, the output is unchanged when
     * every pre-activation of conv1 is at least {@code c} (three standard deviations below BN's mean), and conv1's
     * output range shrinks by c, which helps its activation quantization. If conv2 pads with zeros, its border
     * pixels see fewer taps of {@code c} and change slightly (as in the paper). Call once: the statistics are not
     * updated. Pairs without statistics or without a bias on conv2 are reported and left alone.
     */
    public static List<Absorbed> absorbHighBias(Block model, Map<String, BnFusion.BnStats> statistics,
            Result equalized) {
        if (!model.isInitialized()) {
            throw new IllegalStateException("initialize the model (and fuse BatchNorm) before absorbing biases");
        }
        List<Absorbed> out = new ArrayList<>();
        for (Unit[] p : pairs(model)) {
            Block first = p[0].layer();
            Block second = p[1].layer();
            int channels = (int) weight(first).getShape().get(0);
            BnFusion.BnStats st = statistics.get(p[0].path());
            String note = st == null ? "no BatchNorm statistics for " + p[0].path()
                    : !first.getParameters().contains("bias") ? "first layer has no bias"
                    : !second.getParameters().contains("bias") ? "second layer has no bias"
                    : st.beta().length != channels ? "statistics have " + st.beta().length + " channels, layer "
                            + channels : "";
            float[] c = new float[channels];
            if (note.isEmpty()) {
                double[] s = equalized != null ? equalized.scales().get(p[0].path()) : null;
                float[] beta = st.beta();
                float[] gamma = st.gamma();
                for (int i = 0; i < channels; i++) {
                    double si = s != null ? s[i] : 1.0;
                    c[i] = (float) Math.max(0, (beta[i] - 3 * Math.abs(gamma[i])) / si);
                }
                absorb(first, second, c);
            }
            out.add(new Absorbed(p[0].path(), p[1].path(), c, note));
        }
        return out;
    }

    private static void absorb(Block first, Block second, float[] c) {
        NDArray b1a = first.getParameters().get("bias").getArray();
        float[] b1 = b1a.toFloatArray();
        for (int i = 0; i < c.length; i++) {
            b1[i] -= c[i];
        }
        b1a.set(b1);
        NDArray w2a = weight(second);
        long[] s2 = w2a.getShape().getShape();
        float[] w2 = w2a.toFloatArray();
        boolean dw = second instanceof Conv2d cv && depthwise(cv);
        int out2 = (int) s2[0];
        int in2 = (int) s2[1];
        int k2 = w2.length / (out2 * in2);
        NDArray b2a = second.getParameters().get("bias").getArray();
        float[] b2 = b2a.toFloatArray();
        for (int o = 0; o < out2; o++) {
            double add = 0;
            for (int i = 0; i < in2; i++) {
                double ci = c[dw ? o : i];
                for (int k = 0; k < k2; k++) {
                    add += w2[(o * in2 + i) * k2 + k] * ci;
                }
            }
            b2[o] = (float) (b2[o] + add);
        }
        b2a.set(b2);
    }

    /**
     * One row per pair of {@link #absorbHighBias}: first and second layer, channels, channels with something
     * absorbed, mean and max absorbed amount, and a note when the pair was left alone.
     */
    public static Table absorptionTable(List<Absorbed> absorbed) {
        StringColumn first = StringColumn.create("first");
        StringColumn second = StringColumn.create("second");
        IntColumn channels = IntColumn.create("channels");
        IntColumn absorbedChannels = IntColumn.create("channels_absorbed");
        DoubleColumn mean = DoubleColumn.create("mean_absorbed");
        DoubleColumn max = DoubleColumn.create("max_absorbed");
        StringColumn note = StringColumn.create("note");
        for (Absorbed a : absorbed) {
            first.append(a.first());
            second.append(a.second());
            channels.append(a.channels());
            absorbedChannels.append(a.absorbedChannels());
            mean.append(a.mean());
            max.append(a.max());
            note.append(a.note());
        }
        return Table.create("high-bias absorption", first, second, channels, absorbedChannels, mean, max, note);
    }

    private static boolean compatible(Block first, Block second) {
        if (first instanceof Linear) {
            return second instanceof Linear;
        }
        if (!(first instanceof Conv2d) || !(second instanceof Conv2d c2)) {
            return false;
        }
        long out1 = weight(first).getShape().get(0);
        long in2 = weight(second).getShape().get(1) * c2.getGroups();
        return out1 == in2 && (c2.getGroups() == 1 || depthwise(c2));
    }

    private static boolean depthwise(Conv2d c) {
        NDArray w = weight(c);
        return c.getGroups() > 1 && w.getShape().get(1) == 1 && w.getShape().get(0) == c.getGroups();
    }

    /** Flattens Sequentials (and non-residual inverted residuals) into forward-order runs of layers. */
    private static void sequences(Block b, String path, List<List<Unit>> out) {
        List<Unit> cur = new ArrayList<>();
        inline(b, path, cur, out);
        out.add(cur);
    }

    private static void inline(Block b, String path, List<Unit> cur, List<List<Unit>> out) {
        while (b instanceof Wrapper w) {
            b = w.inner();
        }
        if (b instanceof ConvAct ca) {
            cur.add(new Unit(path, ca.layer(), ca.act()));
        } else if (b instanceof Conv2d || b instanceof Linear) {
            cur.add(new Unit(path, b, null));
        } else if (b instanceof Identity || b instanceof Dropout) {
            return; // transparent in eval
        } else if (b instanceof Sequential || (b instanceof InvertedResidual ir && !ir.useResidual())) {
            for (String name : BlockTree.childNames(b)) {
                inline(BlockTree.get(b, name), path.isEmpty() ? name : path + "." + name, cur, out);
            }
        } else {
            // anything else (residual adds, pooling, ...) ends the run; its insides form runs of their own
            out.add(new ArrayList<>(cur));
            cur.clear();
            for (String name : BlockTree.childNames(b)) {
                sequences(BlockTree.get(b, name), path.isEmpty() ? name : path + "." + name, out);
            }
        }
    }

    private static NDArray weight(Block b) {
        return b.getParameters().get("weight").getArray();
    }

    /** One equalization step for a pair; multiplies {@code cumulative} by its scales; returns max |s_i - 1|. */
    private static double equalizePair(Block first, Block second, Range range, double[] cumulative) {
        NDArray w1a = weight(first);
        NDArray w2a = weight(second);
        long[] s1 = w1a.getShape().getShape();
        long[] s2 = w2a.getShape().getShape();
        float[] w1 = w1a.toFloatArray();
        float[] w2 = w2a.toFloatArray();
        int channels = (int) s1[0];
        int per1 = w1.length / channels;
        boolean dw = second instanceof Conv2d c && depthwise(c);
        int out2 = (int) s2[0];
        int in2 = (int) s2[1];
        int k2 = w2.length / (out2 * in2);
        float[] lo1 = new float[channels];
        float[] hi1 = new float[channels];
        float[] lo2 = new float[channels];
        float[] hi2 = new float[channels];
        java.util.Arrays.fill(lo1, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(hi1, Float.NEGATIVE_INFINITY);
        java.util.Arrays.fill(lo2, Float.POSITIVE_INFINITY);
        java.util.Arrays.fill(hi2, Float.NEGATIVE_INFINITY);
        boolean abs = range == Range.MAX_ABS;
        for (int i = 0; i < channels; i++) {
            for (int j = 0; j < per1; j++) {
                float v = abs ? Math.abs(w1[i * per1 + j]) : w1[i * per1 + j];
                lo1[i] = Math.min(lo1[i], v);
                hi1[i] = Math.max(hi1[i], v);
            }
        }
        for (int o = 0; o < out2; o++) {
            for (int i = 0; i < in2; i++) {
                int ch = dw ? o : i;
                for (int k = 0; k < k2; k++) {
                    float v = w2[(o * in2 + i) * k2 + k];
                    v = abs ? Math.abs(v) : v;
                    lo2[ch] = Math.min(lo2[ch], v);
                    hi2[ch] = Math.max(hi2[ch], v);
                }
            }
        }
        double[] r1 = new double[channels];
        double[] r2 = new double[channels];
        for (int i = 0; i < channels; i++) {
            r1[i] = abs ? hi1[i] : hi1[i] - lo1[i];
            r2[i] = abs ? hi2[i] : hi2[i] - lo2[i];
        }
        double[] s = new double[channels];
        double change = 0;
        for (int i = 0; i < channels; i++) {
            s[i] = r1[i] > 0 && r2[i] > 0 ? Math.sqrt(r1[i] * r2[i]) / r2[i] : 1.0;
            change = Math.max(change, Math.abs(s[i] - 1));
            cumulative[i] *= s[i];
        }
        for (int i = 0; i < channels; i++) {
            for (int j = 0; j < per1; j++) {
                w1[i * per1 + j] = (float) (w1[i * per1 + j] / s[i]);
            }
        }
        for (int o = 0; o < out2; o++) {
            for (int i = 0; i < in2; i++) {
                int ch = dw ? o : i;
                for (int k = 0; k < k2; k++) {
                    int idx = (o * in2 + i) * k2 + k;
                    w2[idx] = (float) (w2[idx] * s[ch]);
                }
            }
        }
        w1a.set(w1);
        w2a.set(w2);
        if (first.getParameters().contains("bias")) {
            NDArray ba = first.getParameters().get("bias").getArray();
            if (ba != null) {
                float[] b = ba.toFloatArray();
                for (int i = 0; i < channels; i++) {
                    b[i] = (float) (b[i] / s[i]);
                }
                ba.set(b);
            }
        }
        return change;
    }

    /** Per-output-channel weight ranges of a conv/linear (to show the effect in a table). */
    public static float[] outputChannelRanges(Block layer, Range range) {
        NDArray w = weight(layer);
        int channels = (int) w.getShape().get(0);
        float[] v = w.toFloatArray();
        int per = v.length / channels;
        float[] r = new float[channels];
        for (int i = 0; i < channels; i++) {
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < per; j++) {
                float x = range == Range.MAX_ABS ? Math.abs(v[i * per + j]) : v[i * per + j];
                lo = Math.min(lo, x);
                hi = Math.max(hi, x);
            }
            r[i] = range == Range.MAX_ABS ? hi : hi - lo;
        }
        return r;
    }
}
