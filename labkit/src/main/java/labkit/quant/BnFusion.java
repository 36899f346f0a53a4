package labkit.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import labkit.nn.Act;
import labkit.nn.BatchNorms;
import labkit.nn.BlockTree;
import labkit.nn.Container;
import labkit.nn.ConvAct;
import labkit.nn.FusionNode;
import labkit.nn.Identity;
import labkit.nn.Sequential;

/**
 * Folds each BatchNorm into the Conv2d/Linear before it, in place, as PyTorch's {@code fuse_modules} does for
 * eval: in every {@link Sequential} (and {@link FusionNode}, whose depthwise → pointwise → bn → act children run in
 * order), a conv/linear at child i followed by a BatchNorm at i+1 becomes one layer
 * with {@code W' = W·γ/√(var+ε)}, {@code b' = (b − μ)·γ/√(var+ε) + β}; a ReLU at i+2 moves into a {@link ConvAct}
 * at i (like {@code ConvReLU2d}), and the BN/ReLU slots become {@link Identity}. The fused model's eval output
 * equals the original's; training statistics are gone (fuse a trained model, in eval use only).
 */
public final class BnFusion {
    private BnFusion() {}

    /** One fusion that was made: the dotted paths of the layer, its BN and (or null) its activation. */
    public record Fused(String layer, String batchNorm, String activation) {}

    /**
     * The affine parameters of a BatchNorm that was folded away, per channel: after folding, the layer's
     * pre-activation output has mean {@code beta} and standard deviation {@code |gamma|} on the data BN was trained
     * on. That is what {@link CrossLayerEqualization#absorbHighBias} needs; the arrays are copies.
     *
     * @param gamma BN weight γ
     * @param beta BN bias β
     */
    public record BnStats(float[] gamma, float[] beta) {
        public BnStats {
            gamma = gamma.clone();
            beta = beta.clone();
        }

        @Override
        public float[] gamma() {
            return gamma.clone();
        }

        @Override
        public float[] beta() {
            return beta.clone();
        }
    }

    /**
     * What {@link #fuseKeepingStatistics} did: the fusions, and the folded BN's γ and β by the path of the layer they
     * went into ({@link Fused#layer()}).
     */
    public record Fusion(List<Fused> fused, Map<String, BnStats> statistics) {
        public Fusion {
            fused = List.copyOf(fused);
            statistics = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(statistics));
        }
    }

    /**
     * Fuses every conv/linear → BN (→ ReLU) run in {@code model} (initialized) and returns what was fused (each
     * Sequential in visiting order). A model with nothing to fuse is returned unchanged with an empty list.
     */
    public static List<Fused> fuse(Block model) {
        return fuseKeepingStatistics(model).fused();
    }

    /**
     * As {@link #fuse}, and keeps each folded BN's γ and β. Folding leaves no BatchNorm in the model, but high-bias
     * absorption after cross-layer equalization needs the pre-activation distribution BN described; rather than
     * keeping BN modules alive in a fused model, the numbers travel beside it to
     * {@link CrossLayerEqualization#absorbHighBias(Block, Map, CrossLayerEqualization.Result)}.
     */
    public static Fusion fuseKeepingStatistics(Block model) {
        if (!model.isInitialized()) {
            throw new IllegalStateException("initialize the model (model.initialize(manager, FLOAT32, inputShape))"
                    + " or load its weights before fusing BatchNorm");
        }
        List<Map.Entry<String, Container>> seqs = new ArrayList<>();
        BlockTree.visit(model, (path, b) -> {
            if ((b instanceof Sequential && !(b instanceof ConvAct)) || b instanceof FusionNode) {
                seqs.add(Map.entry(path, (Container) b));
            }
        });
        List<Fused> out = new ArrayList<>();
        Map<String, BnStats> stats = new java.util.LinkedHashMap<>();
        for (Map.Entry<String, Container> e : seqs) {
            Container s = e.getValue();
            Block sb = (Block) s;
            List<String> names = BlockTree.childNames(sb);
            for (int i = 0; i + 1 < names.size(); i++) {
                Block layer = sb.getChildren().valueAt(i);
                Block next = sb.getChildren().valueAt(i + 1);
                if (!(layer instanceof Conv2d || layer instanceof Linear) || !(next instanceof BatchNorm bn)) {
                    continue;
                }
                BnStats st = statistics(bn);
                Block folded = fold(layer, bn);
                String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
                stats.put(prefix + names.get(i), st);
                Block after = i + 2 < names.size() ? sb.getChildren().valueAt(i + 2) : null;
                if (after instanceof Act act && act.kind() == Act.Kind.RELU) {
                    s.replaceChild(names.get(i), new ConvAct(folded, act));
                    s.replaceChild(names.get(i + 1), new Identity());
                    s.replaceChild(names.get(i + 2), new Identity());
                    out.add(new Fused(prefix + names.get(i), prefix + names.get(i + 1), prefix + names.get(i + 2)));
                    i += 2;
                } else {
                    s.replaceChild(names.get(i), folded);
                    s.replaceChild(names.get(i + 1), new Identity());
                    out.add(new Fused(prefix + names.get(i), prefix + names.get(i + 1), null));
                    i += 1;
                }
            }
        }
        return new Fusion(out, stats);
    }

    private static BnStats statistics(BatchNorm bn) {
        Map<String, Parameter> q = BlockTree.parameters(bn);
        int n = (int) q.get("running_mean").getArray().size();
        float[] gamma = q.containsKey("weight") ? q.get("weight").getArray().toFloatArray() : ones(n);
        float[] beta = q.containsKey("bias") ? q.get("bias").getArray().toFloatArray() : new float[n];
        return new BnStats(gamma, beta);
    }

    private static float[] ones(int n) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, 1f);
        return v;
    }

    /** A new Conv2d/Linear with bias whose weights are {@code layer}'s with {@code bn} folded in. */
    static Block fold(Block layer, BatchNorm bn) {
        Map<String, Parameter> p = BlockTree.parameters(layer);
        Map<String, Parameter> q = BlockTree.parameters(bn);
        NDArray w = p.get("weight").getArray();
        NDManager m = w.getManager();
        long out = w.getShape().get(0);
        NDArray b = p.containsKey("bias") ? p.get("bias").getArray() : m.zeros(new Shape(out));
        NDArray mean = q.get("running_mean").getArray();
        NDArray var = q.get("running_var").getArray();
        NDArray gamma = q.containsKey("weight") ? q.get("weight").getArray() : m.ones(new Shape(out));
        NDArray beta = q.containsKey("bias") ? q.get("bias").getArray() : m.zeros(new Shape(out));
        if (mean.getShape().get(0) != out) {
            throw new IllegalArgumentException("BatchNorm has " + mean.getShape().get(0) + " channels but the layer "
                    + "before it has " + out + " outputs");
        }
        NDArray rsqrt = var.add(BatchNorms.epsilon(bn)).sqrt().pow(-1f);
        long[] bshape = new long[w.getShape().dimension()];
        java.util.Arrays.fill(bshape, 1);
        bshape[0] = out;
        NDArray fw = w.mul(gamma.mul(rsqrt).reshape(new Shape(bshape)));
        NDArray fb = b.sub(mean).mul(rsqrt).mul(gamma).add(beta);
        Block fused;
        if (layer instanceof Conv2d c) {
            fused = Conv2d.builder().setKernelShape(c.getKernelShape()).setFilters(c.getFilters())
                    .optStride(c.getStride()).optPadding(c.getPadding()).optDilation(c.getDilation())
                    .optGroups(c.getGroups()).optBias(true).build();
        } else {
            fused = Linear.builder().setUnits(out).optBias(true).build();
        }
        fused.initialize(m, DataType.FLOAT32, layer.getInputShapes());
        setValues(fused, "weight", fw);
        setValues(fused, "bias", fb);
        return fused;
    }

    /** Overwrites a block's parameter values in place (shape must match). */
    static void setValues(Block block, String name, NDArray values) {
        NDArray arr = block.getParameters().get(name).getArray();
        if (!arr.getShape().equals(values.getShape())) {
            throw new IllegalArgumentException("parameter " + name + " has shape " + arr.getShape() + ", values "
                    + values.getShape());
        }
        arr.set(values.toType(DataType.FLOAT32, false).toFloatArray());
    }
}
