package labkit.export;

import static labkit.export.OnnxGraph.attr;
import static labkit.export.OnnxGraph.attrs;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.nn.norm.Dropout;
import ai.djl.util.Pair;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import labkit.nn.Act;
import labkit.nn.Add;
import labkit.nn.BatchNorms;
import labkit.nn.BiFPN;
import labkit.nn.BlockTree;
import labkit.nn.Branches;
import labkit.nn.Concat;
import labkit.nn.Flatten;
import labkit.nn.FusionNode;
import labkit.nn.GlobalAvgPool;
import labkit.nn.ConvAct;
import labkit.nn.DeQuantStub;
import labkit.nn.Identity;
import labkit.nn.InvertedResidual;
import labkit.nn.MBConv;
import labkit.nn.QuantStub;
import labkit.nn.SqueezeExcitation;
import labkit.nn.StochasticDepth;
import labkit.nn.MaxPool2d;
import labkit.nn.PixelShuffle;
import labkit.nn.Residual;
import labkit.nn.Sequential;
import labkit.nn.Upsample;

/** The ONNX writers of DJL's core layers and of labkit.nn's blocks (registered by {@link OnnxExporter}). */
final class NnExporters {
    private NnExporters() {}

    static void registerAll(Map<Class<?>, BlockExporter> r) {
        r.put(Conv2d.class, NnExporters::conv2d);
        r.put(BatchNorm.class, NnExporters::batchNorm);
        r.put(Linear.class, NnExporters::linear);
        r.put(Dropout.class, (b, p, in, g) -> in);
        r.put(Act.class, NnExporters::act);
        r.put(MaxPool2d.class, NnExporters::maxPool);
        r.put(GlobalAvgPool.class, (b, p, in, g) -> List.of(new OnnxValue(
                g.node("GlobalAveragePool", p, List.of(one(in, p).name())), outShape(b, in))));
        r.put(Flatten.class, (b, p, in, g) -> List.of(g.keepGrid(one(in, p), new OnnxValue(
                g.node("Flatten", p, List.of(one(in, p).name()), attr("axis", 1L)), outShape(b, in)), p)));
        r.put(PixelShuffle.class, (b, p, in, g) -> List.of(g.keepGrid(one(in, p), new OnnxValue(g.node("DepthToSpace",
                p, List.of(one(in, p).name()), attr("blocksize", (long) ((PixelShuffle) b).upscale()),
                attr("mode", "CRD")), outShape(b, in)), p)));
        r.put(Upsample.class, NnExporters::upsample);
        r.put(Concat.class, (b, p, in, g) -> List.of(new OnnxValue(
                g.node("Concat", p, names(in), attr("axis", (long) ((Concat) b).axis())), outShape(b, in))));
        r.put(Add.class, (b, p, in, g) -> List.of(sum(in, p, g)));
        r.put(labkit.nn.Mul.class, (b, p, in, g) -> {
            OnnxValue acc = in.get(0);
            for (int i = 1; i < in.size(); i++) {
                acc = new OnnxValue(g.node("Mul", p, List.of(acc.name(), in.get(i).name())), outShape(b, in));
            }
            return List.of(acc);
        });
        r.put(Residual.class, NnExporters::residual);
        r.put(Sequential.class, NnExporters::sequential);
        r.put(SequentialBlock.class, NnExporters::sequential);
        r.put(BiFPN.class, NnExporters::sequential);
        r.put(Branches.class, NnExporters::branches);
        r.put(InvertedResidual.class, NnExporters::invertedResidual);
        r.put(FusionNode.class, NnExporters::fusionNode);
        r.put(BiFPN.Layer.class, NnExporters::bifpnLayer);
        BlockExporter passThrough = (b, p, in, g) -> in;
        r.put(Identity.class, passThrough);
        r.put(QuantStub.class, passThrough);
        r.put(labkit.nn.QuantPoint.class, passThrough);
        r.put(DeQuantStub.class, passThrough);
        r.put(StochasticDepth.class, passThrough); // identity at inference
        r.put(ConvAct.class, NnExporters::sequential);
        r.put(MBConv.class, NnExporters::mbconv);
        r.put(SqueezeExcitation.class, NnExporters::squeezeExcitation);
    }

    // ---- helpers shared with the model exporters ----

    static OnnxValue one(List<OnnxValue> in, String path) {
        if (in.size() != 1) {
            throw new IllegalArgumentException("block '" + path + "' takes one input, got " + in.size());
        }
        return in.get(0);
    }

    static List<String> names(List<OnnxValue> in) {
        List<String> n = new ArrayList<>();
        for (OnnxValue v : in) {
            n.add(v.name());
        }
        return n;
    }

    static Shape outShape(Block b, List<OnnxValue> in) {
        Shape[] s = new Shape[in.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = in.get(i).shape();
        }
        return b.getOutputShapes(s)[0];
    }

    static String join(String path, String child) {
        return path.isEmpty() ? child : path + "." + child;
    }

    /** The child of {@code b} named {@code name} (PyTorch-style name), or null. */
    static Block child(Block b, String name) {
        for (Pair<String, Block> c : b.getChildren()) {
            if (BlockTree.childName(c.getKey()).equals(name)) {
                return c.getValue();
            }
        }
        return null;
    }

    static NDArray param(Block b, String name, String path) {
        Parameter p = b.getParameters().get(name);
        if (p == null || !p.isInitialized()) {
            throw new IllegalStateException("block '" + path + "' has no initialised parameter '" + name
                    + "'; initialise the model (model.initialize(manager, DataType.FLOAT32, inputShape)) or load"
                    + " its weights before exporting");
        }
        return p.getArray();
    }

    static OnnxValue sum(List<OnnxValue> in, String path, OnnxGraph g) {
        OnnxValue acc = in.get(0);
        for (int i = 1; i < in.size(); i++) {
            acc = new OnnxValue(g.node("Add", path, List.of(acc.name(), in.get(i).name())), acc.shape());
        }
        return acc;
    }

    // ---- DJL core layers ----

    private static List<OnnxValue> conv2d(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        Conv2d c = (Conv2d) b;
        OnnxValue x = one(in, path);
        NDArray w = param(c, "weight", path);
        QdqParams wq = g.weightQParams(path);
        List<String> inputs = new ArrayList<>(List.of(x.name(), wq == null
                ? g.constant(join(path, "weight"), w.toFloatArray(), w.getShape().getShape())
                : g.quantizedWeight(path, w.toFloatArray(), w.getShape().getShape(), wq)));
        if (c.isIncludeBias()) {
            inputs.add(bias(g, path, param(c, "bias", path).toFloatArray(), x, wq));
        }
        if (wq != null) {
            checkSaturation(g, path, x, wq);
        }
        Shape k = c.getKernelShape();
        Shape s = c.getStride();
        Shape p = c.getPadding();
        Shape d = c.getDilation();
        String y = g.node("Conv", path, inputs,
                attrs("kernel_shape", k.get(0), k.get(1)),
                attrs("strides", s.get(0), s.get(1)),
                attrs("pads", p.get(0), p.get(1), p.get(0), p.get(1)),
                attrs("dilations", d.get(0), d.get(1)),
                attr("group", (long) c.getGroups()));
        return List.of(new OnnxValue(y, outShape(b, in)));
    }

    /**
     * x86 CPUs without VNNI (AVX2 only, like the course VM) compute u8·s8 products in pairs summed into int16
     * (vpmaddubsw), which saturates when activations use 0..255 and weights −128..127: outputs come out wrong. Either
     * 7-bit activations (PyTorch's reduce_range, the fbgemm/x86 qconfigs) or 7-bit weights keep it exact.
     */
    static void checkSaturation(OnnxGraph g, String path, OnnxValue x, QdqParams wq) {
        QdqParams in = g.dequantizedParams(x.name());
        if (in != null && !in.signed() && in.quantMax() - in.quantMin() > 127 && wq.quantMax() - wq.quantMin() > 127) {
            g.warn("'" + path + "': uint8 input over " + in.quantMin() + ".." + in.quantMax() + " times int8 weights over "
                    + wq.quantMin() + ".." + wq.quantMax() + " can saturate int16 in ONNX Runtime on x86 CPUs without"
                    + " VNNI (AVX2 only); use reduce_range activations (QConfig x86/fbgemm) or 7-bit weights");
        }
    }

    /** A float bias, or with int8 weights and a dequantized per-tensor input an int32 bias (scale s_in·s_w). */
    static String bias(OnnxGraph g, String path, float[] b, OnnxValue x, QdqParams wq) {
        Float inScale = wq == null ? null : g.dequantizedScale(x.name());
        return inScale == null ? g.constant(join(path, "bias"), b, b.length) : g.quantizedBias(path, b, inScale, wq);
    }

    private static float[] orDefault(Block b, String name, long n, float v) {
        Parameter p = b.getParameters().get(name);
        if (p != null && p.isInitialized()) {
            return p.getArray().toFloatArray();
        }
        float[] a = new float[(int) n];
        java.util.Arrays.fill(a, v);
        return a;
    }

    /**
     * BatchNorm: folded into the convolution before it when that convolution's output feeds nothing else
     * ({@code W' = W·γ/√(σ²+ε)}, {@code b' = (b−μ)·γ/√(σ²+ε) + β}); otherwise an ONNX BatchNormalization.
     */
    private static List<OnnxValue> batchNorm(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        BatchNorm bn = (BatchNorm) b;
        OnnxValue x = one(in, path);
        float[] mean = param(bn, "runningMean", path).toFloatArray();
        float[] var = param(bn, "runningVar", path).toFloatArray();
        int c = mean.length;
        float[] gamma = orDefault(bn, "gamma", c, 1f);
        float[] beta = orDefault(bn, "beta", c, 0f);
        float eps = BatchNorms.epsilon(bn);
        NodeProto.Builder conv = g.producer(x.name());
        if (conv != null && conv.getOpType().equals("Conv") && g.uses(x.name()) == 0
                && g.floatConstant(conv.getInput(1)) != null
                && (conv.getInputCount() < 3 || g.floatConstant(conv.getInput(2)) != null)) {
            OnnxGraph.FloatConstant w = g.floatConstant(conv.getInput(1));
            float[] wd = w.data().clone();
            int per = wd.length / c;
            float[] bias = conv.getInputCount() > 2 ? g.floatConstant(conv.getInput(2)).data() : new float[c];
            float[] nb = new float[c];
            for (int o = 0; o < c; o++) {
                double scale = gamma[o] / Math.sqrt((double) var[o] + eps);
                for (int i = 0; i < per; i++) {
                    wd[o * per + i] = (float) (wd[o * per + i] * scale);
                }
                nb[o] = (float) ((bias[o] - mean[o]) * scale + beta[o]);
            }
            w.set(wd);
            if (conv.getInputCount() > 2) {
                g.floatConstant(conv.getInput(2)).set(nb);
            } else {
                conv.addInput(g.constant(join(path, "bias"), nb, c));
            }
            return List.of(new OnnxValue(g.rename(x.name(), path), x.shape()));
        }
        String y = g.node("BatchNormalization", path, List.of(x.name(),
                g.constant(join(path, "weight"), gamma, c), g.constant(join(path, "bias"), beta, c),
                g.constant(join(path, "running_mean"), mean, c), g.constant(join(path, "running_var"), var, c)),
                attr("epsilon", eps));
        return List.of(new OnnxValue(y, x.shape()));
    }

    /** Linear: Gemm(x, W, b, transB=1) on N×in input, MatMul by Wᵀ plus bias otherwise. */
    private static List<OnnxValue> linear(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        OnnxValue x = one(in, path);
        NDArray w = param(b, "weight", path);
        long out = w.getShape().get(0);
        long inF = w.getShape().get(1);
        Parameter bp = b.getParameters().get("bias");
        float[] bias = bp != null && bp.isInitialized() ? bp.getArray().toFloatArray() : new float[(int) out];
        Shape os = outShape(b, in);
        QdqParams wq = g.weightQParams(path);
        if (x.shape().dimension() == 2) {
            String y = g.node("Gemm", path, List.of(x.name(), wq == null
                    ? g.constant(join(path, "weight"), w.toFloatArray(), out, inF)
                    : g.quantizedWeight(path, w.toFloatArray(), new long[] {out, inF}, wq),
                    bias(g, path, bias, x, wq)), attr("transB", 1L));
            return List.of(new OnnxValue(y, os));
        }
        if (wq != null) {
            throw new IllegalArgumentException("int8 export of Linear '" + path + "' needs an N×features input, got "
                    + x.shape());
        }
        String mm = g.node("MatMul", path, List.of(x.name(),
                g.constant(join(path, "weight_t"), w.transpose().toFloatArray(), inF, out)));
        return List.of(new OnnxValue(g.node("Add", path, List.of(mm, g.constant(join(path, "bias"), bias, out))), os));
    }

    // ---- labkit.nn ----

    private static List<OnnxValue> act(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        OnnxValue x = one(in, path);
        String n = x.name();
        String y = switch (((Act) b).kind()) {
            case RELU -> g.node("Relu", path, List.of(n));
            case RELU6 -> g.node("Clip", path, List.of(n, g.scalar(path + ".min", 0f), g.scalar(path + ".max", 6f)));
            case SIGMOID -> g.node("Sigmoid", path, List.of(n));
            case SILU -> g.node("Mul", path, List.of(n, g.node("Sigmoid", path, List.of(n))));
            case HARDSWISH -> g.node("HardSwish", path, List.of(n));
            case HARDSIGMOID -> g.node("HardSigmoid", path, List.of(n), attr("alpha", 1f / 6f), attr("beta", 0.5f));
            case TANH -> g.node("Tanh", path, List.of(n));
            case GELU -> {
                String erf = g.node("Erf", path, List.of(g.node("Div", path, List.of(n,
                        g.scalar(path + ".sqrt2", (float) Math.sqrt(2))))));
                String onePlus = g.node("Add", path, List.of(erf, g.scalar(path + ".one", 1f)));
                yield g.node("Mul", path, List.of(g.node("Mul", path, List.of(n, onePlus)),
                        g.scalar(path + ".half", 0.5f)));
            }
            case IDENTITY -> g.node("Identity", path, List.of(n));
        };
        return List.of(new OnnxValue(y, x.shape()));
    }

    private static List<OnnxValue> maxPool(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        MaxPool2d m = (MaxPool2d) b;
        long k = m.kernel();
        long s = m.stride();
        long p = m.padding();
        OnnxValue x = one(in, path);
        return List.of(g.keepGrid(x, new OnnxValue(g.node("MaxPool", path, List.of(x.name()),
                attrs("kernel_shape", k, k), attrs("strides", s, s), attrs("pads", p, p, p, p)), outShape(b, in)), path));
    }

    /**
     * Upsample → Resize with the coordinate rules DJL/PyTorch use: nearest = "asymmetric"/"floor"; bilinear =
     * "half_pixel" (align_corners False) or "align_corners"; bicubic as DJL computes it (antialias kernel,
     * a = −0.5, taps outside the image dropped and the rest renormalised = exclude_outside 1).
     */
    private static List<OnnxValue> upsample(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        Upsample u = (Upsample) b;
        OnnxValue x = one(in, path);
        if (u.scale() == 1) {
            return List.of(x);
        }
        float s = u.scale();
        String scales = g.constant(path + ".scales", new float[] {1f, 1f, s, s}, 4);
        List<String> inputs = List.of(x.name(), "", scales);
        String y = switch (u.mode()) {
            case NEAREST -> {
                String r = g.node("Resize", path, inputs, attr("mode", "nearest"),
                        attr("coordinate_transformation_mode", "asymmetric"), attr("nearest_mode", "floor"));
                yield g.keepGrid(x, new OnnxValue(r, outShape(b, in)), path).name();
            }
            case BILINEAR -> g.node("Resize", path, inputs, attr("mode", "linear"),
                    attr("coordinate_transformation_mode", "half_pixel"));
            case BILINEAR_ALIGN_CORNERS -> g.node("Resize", path, inputs, attr("mode", "linear"),
                    attr("coordinate_transformation_mode", "align_corners"));
            case BICUBIC -> g.node("Resize", path, inputs, attr("mode", "cubic"),
                    attr("coordinate_transformation_mode", "half_pixel"), attr("cubic_coeff_a", -0.5f),
                    attr("exclude_outside", 1L));
        };
        return List.of(new OnnxValue(y, outShape(b, in)));
    }

    private static List<OnnxValue> residual(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        OnnxValue x = one(in, path);
        Pair<String, Block> body = b.getChildren().get(0);
        OnnxValue y = g.export1(body.getValue(), join(path, BlockTree.childName(body.getKey())), x);
        return List.of(new OnnxValue(g.node("Add", path, List.of(x.name(), y.name())), y.shape()));
    }

    static List<OnnxValue> sequential(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        List<OnnxValue> xs = in;
        for (Pair<String, Block> c : b.getChildren()) {
            xs = g.export(c.getValue(), join(path, BlockTree.childName(c.getKey())), xs);
        }
        return xs;
    }

    private static List<OnnxValue> branches(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        if (in.size() != b.getChildren().size()) {
            throw new IllegalArgumentException("Branches '" + path + "' has " + b.getChildren().size()
                    + " branches but got " + in.size() + " inputs");
        }
        List<OnnxValue> out = new ArrayList<>();
        int i = 0;
        for (Pair<String, Block> c : b.getChildren()) {
            out.add(g.export1(c.getValue(), join(path, BlockTree.childName(c.getKey())), in.get(i++)));
        }
        return out;
    }

    /** InvertedResidual: {@code conv}, then {@code skip_add}(x, y) when stride 1 and in == out. */
    private static List<OnnxValue> invertedResidual(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        InvertedResidual ir = (InvertedResidual) b;
        OnnxValue x = one(in, path);
        OnnxValue y = g.export1(child(b, "conv"), join(path, "conv"), x);
        if (!ir.useResConnect()) {
            return List.of(y);
        }
        return g.export(child(b, "skip_add"), join(path, "skip_add"), List.of(x, y));
    }

    /** MBConv: {@code block}, plus the input when residual (stochastic depth is the identity at inference). */
    private static List<OnnxValue> mbconv(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        OnnxValue x = one(in, path);
        OnnxValue y = g.export1(child(b, "block"), join(path, "block"), x);
        if (!((MBConv) b).residual()) {
            return List.of(y);
        }
        y = g.export1(child(b, "stochastic_depth"), join(path, "stochastic_depth"), y);
        return g.export(child(b, "skip_add"), join(path, "skip_add"), List.of(y, x));
    }

    /** Squeeze-excitation: x · scale_act(fc2(act(fc1(avgpool(x))))). */
    private static List<OnnxValue> squeezeExcitation(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        OnnxValue x = one(in, path);
        OnnxValue s = x;
        for (String name : new String[] {"avgpool", "fc1", "activation", "fc2", "scale_activation"}) {
            s = g.export1(child(b, name), join(path, name), s);
        }
        return g.export(child(b, "skip_mul"), join(path, "skip_mul"), List.of(x, s));
    }

    /**
     * FusionNode: the learnt fusion weights are constants at export, so Σ c_j·x_j with c_j = relu(w_j)/(Σ relu(w)+ε),
     * re-quantized at its {@code partial1} … and {@code fused} points. In an int8 export whose inputs are int8 values
     * the weights are folded into the inputs' scales (x_j read through a DequantizeLinear with scale c_j·s_j), so each
     * sum is one int8 add (QLinearAdd) and no float op is left.
     */
    private static List<OnnxValue> fusionNode(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        FusionNode f = (FusionNode) b;
        if (in.size() != f.inputs()) {
            throw new IllegalArgumentException("FusionNode '" + path + "' expects " + f.inputs() + " inputs, got " + in.size());
        }
        float[] w = param(b, "weight", path).toFloatArray();
        double total = 0;
        for (float v : w) {
            total += Math.max(v, 0f);
        }
        // the same float32 arithmetic as FusionNode.fuse: relu(w_j)·x_j summed, divided by (Σ relu(w) + ε)
        float denom = (float) total + FusionNode.EPS;
        OnnxValue x = foldedFusion(f, path, in, g, w, denom);
        if (x == null) {
            OnnxValue acc = null;
            for (int j = 0; j < in.size(); j++) {
                String term = g.node("Mul", path, List.of(in.get(j).name(),
                        g.scalar(path + ".weight" + j, Math.max(w[j], 0f))));
                acc = acc == null ? new OnnxValue(term, in.get(j).shape())
                        : new OnnxValue(g.node("Add", path, List.of(acc.name(), term)), acc.shape());
                if (j >= 1 && j < in.size() - 1) {
                    acc = g.export1(child(b, "partial" + j), join(path, "partial" + j), acc);
                }
            }
            x = new OnnxValue(g.node("Div", path, List.of(acc.name(), g.scalar(path + ".denominator", denom))),
                    acc.shape());
            x = g.export1(child(b, "fused"), join(path, "fused"), x);
        }
        for (String name : new String[] {"depthwise", "pointwise", "bn", "act"}) {
            x = g.export1(child(b, name), join(path, name), x);
        }
        return List.of(x);
    }

    /** The int8 fusion (weights folded into the inputs' scales), or null when some input or point is not int8. */
    private static OnnxValue foldedFusion(FusionNode f, String path, List<OnnxValue> in, OnnxGraph g, float[] w,
            float denom) {
        int n = in.size();
        QdqParams[] points = new QdqParams[n];
        for (int j = 1; j < n; j++) {
            String name = j == n - 1 ? "fused" : "partial" + j;
            points[j] = QuantExporters.frozen(child(f, name), g);
            if (points[j] == null) {
                return null;
            }
        }
        String[] src = new String[n];
        QdqParams[] qp = new QdqParams[n];
        for (int j = 0; j < n; j++) {
            src[j] = g.quantizedSource(in.get(j).name());
            qp[j] = g.dequantizedParams(in.get(j).name());
            if (src[j] == null || qp[j] == null || qp[j].isPerChannel() || !(w[j] > 0)) {
                return null;
            }
        }
        String accSrc = src[0];
        QdqParams accP = scaled(qp[0], Math.max(w[0], 0f));
        OnnxValue out = null;
        for (int j = 1; j < n; j++) {
            boolean last = j == n - 1;
            float k = last ? 1f / denom : 1f;
            String a = g.dequantize(accSrc, scaled(accP, k), join(path, "term" + (j == 1 ? 0 : j - 1)));
            String t = g.dequantize(src[j], scaled(qp[j], w[j] * k), join(path, "term" + j));
            OnnxValue sum = new OnnxValue(g.node("Add", path, List.of(a, t)), in.get(0).shape());
            OnnxValue q = g.qdq(sum, points[j], join(path, last ? "fused" : "partial" + j));
            if (last) {
                out = q;
            } else {
                accSrc = g.quantizedSource(q.name());
                accP = points[j];
            }
        }
        return out;
    }

    /** {@code p} with its scale multiplied by {@code k}. */
    private static QdqParams scaled(QdqParams p, float k) {
        float[] s = p.scale();
        for (int i = 0; i < s.length; i++) {
            s[i] *= k;
        }
        return new QdqParams(s, p.zeroPoint(), p.axis(), p.signed(), p.quantMin(), p.quantMax());
    }

    /** One BiFPN layer: top-down then bottom-up path, exactly as {@link BiFPN.Layer}'s forward. */
    private static List<OnnxValue> bifpnLayer(Block b, String path, List<OnnxValue> p, OnnxGraph g) {
        int levels = p.size();
        Block up = child(b, "up");
        Block down = child(b, "down");
        OnnxValue[] t = new OnnxValue[levels];
        t[levels - 1] = p.get(levels - 1);
        for (int i = levels - 2; i >= 0; i--) {
            OnnxValue u = g.export1(up, join(path, "up"), t[i + 1]);
            t[i] = g.export(child(b, "td" + i), join(path, "td" + i), List.of(p.get(i), u)).get(0);
        }
        OnnxValue[] o = new OnnxValue[levels];
        o[0] = t[0];
        for (int i = 1; i < levels; i++) {
            OnnxValue d = g.export1(down, join(path, "down"), o[i - 1]);
            List<OnnxValue> ins = i == levels - 1 ? List.of(p.get(i), d) : List.of(p.get(i), t[i], d);
            o[i] = g.export(child(b, "out" + i), join(path, "out" + i), ins).get(0);
        }
        return List.of(o);
    }
}
