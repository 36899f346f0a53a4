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
