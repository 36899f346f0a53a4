package labkit.export;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.onnx.proto.OnnxMl.ModelProto;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import labkit.nn.Act;
import labkit.nn.BlockTree;
import labkit.nn.ConvBnAct;
import labkit.nn.Flatten;
import labkit.nn.GlobalAvgPool;
import labkit.nn.Residual;
import labkit.nn.Sequential;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Static QDQ int8 export with given qparams vs the same quantization simulated in DJL (fake-quantized input,
 * weights, int32-rounded biases and activations): ONNX Runtime's integer kernels agree within one output step.
 */
class QdqExportTest {
    @TempDir
    Path dir;

    /** conv+relu → residual(conv) → add → pool → flatten → linear, with a QDQ point after each named block. */
    private static Block net() {
        return new Sequential()
                .add(ConvBnAct.builder(8).noBatchNorm().build())
                .add(new Residual(ConvBnAct.builder(8).noBatchNorm().act(Act.Kind.IDENTITY).build()))
                .add(new GlobalAvgPool()).add(new Flatten()).add(Linear.builder().setUnits(5).build());
    }

    /** MinMax uint8 activation params over 0..qmax (255, or 127 with PyTorch's reduce_range as fbgemm/x86 use). */
    static QdqParams activation(NDArray x, int qmax) {
        float lo = Math.min(0f, x.min().getFloat());
        float hi = Math.max(0f, x.max().getFloat());
        float s = Math.max((hi - lo) / qmax, 1e-8f);
        int zp = (int) Math.max(0, Math.min(qmax, Math.rint(-lo / s)));
        return new QdqParams(new float[] {s}, new int[] {zp}, -1, false, 0, qmax);
    }

    /** Symmetric int8 weight params over -(qmax+1)..qmax (127, or 63 for 7-bit weights). */
    static QdqParams weight(NDArray w, boolean perChannel, int qmax) {
        float[] v = w.toFloatArray();
        int c = perChannel ? (int) w.getShape().get(0) : 1;
        int per = v.length / c;
        float[] s = new float[c];
        for (int i = 0; i < v.length; i++) {
            s[i / per] = Math.max(s[i / per], Math.abs(v[i]));
        }
        for (int k = 0; k < c; k++) {
            s[k] = Math.max(s[k] / (qmax + 0.5f), 1e-8f);
        }
        return new QdqParams(s, new int[c], perChannel ? 0 : -1, true, -qmax - 1, qmax);
    }

    static NDArray fq(NDArray x, QdqParams p) {
        float s = p.scale()[0];
        int z = p.zeroPoint()[0];
        return x.div(s).round().add(z).clip(p.quantMin(), p.quantMax()).sub(z).mul(s);
    }

    private static NDArray fqWeight(NDArray w, QdqParams p) {
        int per = (int) (w.size() / w.getShape().get(0));
        int[] q = p.quantize(w.toFloatArray(), per);
        float[] v = new float[q.length];
        for (int i = 0; i < q.length; i++) {
            v[i] = q[i] * p.scale()[p.isPerChannel() ? i / per : 0];
        }
        return w.getManager().create(v, w.getShape());
    }

    private static void setBiasInt32(Block conv, float inScale, QdqParams w) {
        NDArray b = conv.getParameters().get("bias").getArray();
        float[] v = b.toFloatArray();
        for (int c = 0; c < v.length; c++) {
            float s = inScale * w.scale()[w.isPerChannel() ? c : 0];
            v[c] = (float) Math.rint(v[c] / s) * s;
        }
        b.set(v);
    }

    /**
     * Both ways of keeping u8×s8 products out of int16 saturation (x86 without VNNI, e.g. this AVX2 machine: ORT's
     * MLAS kernels add pairs of u8·s8 products in int16): 7-bit activations (PyTorch's reduce_range, as the
     * fbgemm/x86 qconfigs do) or 7-bit weights. With full 8-bit weights and activations, up to 3% of the outputs of a
     * conv came out wrong by tens of steps here.
     */
    @ParameterizedTest
    @CsvSource({"true, 127, 127", "false, 127, 127", "true, 255, 63", "false, 255, 63"})
    void int8ModelMatchesSimulatedQuantization(boolean perChannel, int actMax, int weightMax) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape s = new Shape(2, 3, 12, 12);
            Block model = net();
            ExportCheck.init(model, m, s, 31);
            NDArray x = ExportCheck.input(m, s, 32);
            ParameterStore ps = new ParameterStore(m, false);
            Map<String, Block> blocks = BlockTree.blocks(model);
            Block b0 = blocks.get("0");
            Block body = blocks.get("1.body");
            Block head = new Sequential().add(blocks.get("2")).add(blocks.get("3"));
            Block fc = blocks.get("4");
            // calibrate on the float model, then quantize weights and biases in place (simulation = what runs)
            QdqParams in = activation(x, actMax);
            Map<String, QdqParams> w = new HashMap<>();
            for (String p : new String[] {"0.0", "1.body.0", "4"}) {
                w.put(p, weight(blocks.get(p).getParameters().get("weight").getArray(), perChannel, weightMax));
            }
            NDArray y0f = b0.forward(ps, new NDList(x), false).head();
            QdqParams a0 = activation(y0f, actMax);
            NDArray y1f = body.forward(ps, new NDList(y0f), false).head();
            QdqParams a1b = activation(y1f, actMax);
            QdqParams a1 = activation(y0f.add(y1f), actMax);
            NDArray pooled = head.forward(ps, new NDList(y0f.add(y1f)), false).head();
            QdqParams a4 = activation(fc.forward(ps, new NDList(pooled), false).head(), actMax);
            for (var e : w.entrySet()) {
                NDArray wt = blocks.get(e.getKey()).getParameters().get("weight").getArray();
                wt.set(fqWeight(wt, e.getValue()).toFloatArray());
            }
            setBiasInt32(blocks.get("0.0"), in.scale()[0], w.get("0.0"));
            setBiasInt32(blocks.get("1.body.0"), a0.scale()[0], w.get("1.body.0"));
            // simulated int8 forward
            NDArray y0 = fq(b0.forward(ps, new NDList(fq(x, in)), false).head(), a0);
            NDArray y1 = fq(body.forward(ps, new NDList(y0), false).head(), a1b);
            NDArray y2 = fq(y0.add(y1), a1);
            NDArray want = fq(fc.forward(ps, new NDList(head.forward(ps, new NDList(y2), false).head()), false).head(), a4);

            // one layer: conv (int8 weights, int32 bias) + relu + QDQ agrees within one step of its output scale
            Path f1 = dir.resolve("layer.onnx");
            OnnxExporter.builder().build().exportInt8(b0, s, new QdqPlan(in, Map.of("", a0), Map.of("0", w.get("0.0"))), f1);
            try (OrtModel ort = OrtModel.open(f1, 1)) {
                float d = ort.predict(x).sub(fq(b0.forward(ps, new NDList(fq(x, in)), false).head(), a0)).abs().max().getFloat();
                assertTrue(d <= 1.01f * a0.scale()[0], "one layer: max diff " + d + " vs step " + a0.scale()[0]);
                System.out.printf("QDQ int8 one layer (%s, act 0..%d, weights ±%d) vs simulated: max |diff| %.3g (step %.3g)%n",
                        perChannel ? "per-channel" : "per-tensor", actMax, weightMax, d, a0.scale()[0]);
            }
            QdqPlan plan = new QdqPlan(in, Map.of("0", a0, "1.body", a1b, "1", a1, "4", a4), w);
            Path f = dir.resolve("int8.onnx");
            var r = OnnxExporter.builder().build().exportInt8(model, s, plan, f);
            assertEquals(2, r.opCounts().get("Conv"), r.opCounts().toString());
            assertEquals(java.util.List.of(), saturation(r));
            assertEquals(1 + 4 + 0, r.opCounts().get("QuantizeLinear"), r.opCounts().toString());
            try (OrtModel ort = OrtModel.open(f, 1)) {
                NDArray got = ort.predict(x);
                // measured: identical here (0 steps); allow one step for requantization ties elsewhere
                float step = a4.scale()[0];
                NDArray d = got.sub(want).abs();
                float maxSteps = d.max().getFloat() / step;
                float meanSteps = d.mean().getFloat() / step;
                System.out.printf("QDQ int8 net (%s, act 0..%d, weights ±%d) vs simulated: max |diff| %.3g = %.2f output"
                        + " steps, mean %.2f steps%n", perChannel ? "per-channel" : "per-tensor", actMax, weightMax,
                        d.max().getFloat(), maxSteps, meanSteps);
                assertTrue(maxSteps <= 1.01f && meanSteps <= 0.05f, "max " + maxSteps + " steps, mean " + meanSteps);
            }
        }
    }

    @Test
    void weightsAreStoredAsInt8AndPlanPathsAreChecked() {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape s = new Shape(1, 3, 8, 8);
            Block model = net();
            ExportCheck.init(model, m, s, 1);
            Map<String, QdqParams> w = Map.of("0.0", weight(BlockTree.blocks(model).get("0.0").getParameters()
                    .get("weight").getArray(), true, 127));
            ModelProto p = OnnxExporter.builder().build().toProto(model, s,
                    new QdqPlan(QdqParams.uint8(0.02f, 128), Map.of("0", QdqParams.uint8(0.05f, 0)), w));
            assertTrue(p.getGraph().getInitializerList().stream().anyMatch(t -> t.getName().equals("0.0.weight_int8")
                    && t.getDataType() == ai.onnx.proto.OnnxMl.TensorProto.DataType.INT8.getNumber()));
            assertTrue(p.getGraph().getInitializerList().stream().anyMatch(t -> t.getName().equals("0.0.bias_int32")));
            // full-range uint8 activations × full-range int8 weights: flagged (int16 saturation without VNNI)
            var r = OnnxExporter.builder().build().exportInt8(model, s,
                    new QdqPlan(QdqParams.uint8(0.02f, 128), Map.of("0", QdqParams.uint8(0.05f, 0)), w), dir.resolve("w.onnx"));
            assertEquals(1, saturation(r).size(), r.warnings().toString());
            assertTrue(saturation(r).get(0).startsWith("'0.0'") && saturation(r).get(0).contains("VNNI"), r.warnings().get(0));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxExporter.builder()
                    .build().toProto(model, s, new QdqPlan(null, Map.of("nope", QdqParams.uint8(0.1f, 0)), Map.of())));
            assertTrue(e.getMessage().contains("[nope]"), e.getMessage());
        }
    }

    /** The int16-saturation warnings (not the notes on ops that stay float). */
    static java.util.List<String> saturation(ExportResult r) {
        return r.warnings().stream().filter(w -> !w.startsWith("float in ONNX Runtime")).toList();
    }
}
