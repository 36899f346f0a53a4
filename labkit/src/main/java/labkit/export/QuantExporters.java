package labkit.export;

import ai.djl.nn.Block;
import java.util.List;
import java.util.Map;
import labkit.quant.Observed;
import labkit.quant.QParams;
import labkit.quant.QuantDType;

/**
 * The ONNX writer of labkit.quant's {@link Observed} wrapper: its inner block is written at the same path (a
 * wrapper adds no name level, as in {@link labkit.nn.BlockTree}); in an int8 export a QuantizeLinear →
 * DequantizeLinear with the observer's frozen qparams follows, so the numbers PTQ computed are the numbers that run.
 */
final class QuantExporters {
    private QuantExporters() {}

    static void registerAll(Map<Class<?>, BlockExporter> r) {
        r.put(Observed.class, QuantExporters::observed);
        // a converted QAT conv/linear: its inner layer at the same path (the plan's weight qparams round its weight)
        r.put(labkit.quant.QatLayer.class, (b, p, in, g) -> g.export(((labkit.quant.QatLayer) b).inner(), p, in));
        r.put(labkit.quant.SplitSilu.class, (b, p, in, g) -> {
            OnnxValue x = NnExporters.one(in, p);
            // int8 sigmoid and int8 multiply (QLinearSigmoid + QLinearMul): measured faster in ONNX Runtime 1.23 than
            // float Sigmoid and Mul between DequantizeLinear and QuantizeLinear, and than a 256-entry table look-up
            // (Cast + Gather), which also broke ORT's NHWC int8 layout
            OnnxValue s = g.export1(NnExporters.child(b, "sigmoid"), NnExporters.join(p, "sigmoid"), x);
            return g.export(NnExporters.child(b, "mul"), NnExporters.join(p, "mul"), List.of(x, s));
        });
    }

    /** The QDQ params of an {@link Observed} block with frozen qparams in an int8 export, else null. */
    static QdqParams frozen(Block b, OnnxGraph g) {
        return g.quantized() && b instanceof Observed o && o.qparams() != null ? toQdq(o.qparams()) : null;
    }

    private static List<OnnxValue> observed(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        Observed o = (Observed) b;
        List<OnnxValue> out = g.export(o.inner(), path, in);
        if (!g.quantized()) {
            return out;
        }
        if (o.qparams() == null) {
            throw new IllegalStateException("observer at '" + path + "' has no frozen qparams: calibrate and call"
                    + " ptq.convert() before exporting the int8 model");
        }
        return List.of(g.qdq(NnExporters.one(out, path), toQdq(o.qparams()), path));
    }

    /** labkit.quant's qparams as QDQ params (quint8 → uint8, qint8 → int8; same scales, zero points, range). */
    static QdqParams toQdq(QParams q) {
        return new QdqParams(q.scale(), q.zeroPoint(), q.axis(), q.dtype() == QuantDType.QINT8, q.quantMin(),
                q.quantMax());
    }
}
