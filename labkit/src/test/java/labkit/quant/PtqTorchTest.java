package labkit.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import labkit.TestFixtures;
import labkit.nn.Act;
import labkit.nn.BlockTree;
import labkit.nn.ConvBnAct;
import labkit.nn.DeQuantStub;
import labkit.nn.Flatten;
import labkit.nn.GlobalAvgPool;
import labkit.nn.InvertedResidual;
import labkit.nn.QuantStub;
import labkit.nn.Sequential;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole eager-mode PTQ flow against torch 1.13 on a tiny quantizable net (stem + two torchvision
 * QuantizableInvertedResiduals + linear): same weights, same calibration batches, then per-layer qparams and
 * the int8 model's output compared (fixture ptq_tiny.json).
 */
class PtqTorchTest {

    static Block twin() {
        return new Sequential()
                .add("quant", new QuantStub())
                .add("0", ConvBnAct.builder(8).stride(2).act(Act.Kind.RELU).build())
                .add("1", new InvertedResidual(8, 8, 1, 2, Act.Kind.RELU))
                .add("2", new InvertedResidual(8, 16, 2, 6, Act.Kind.RELU))
                .add("pool", new GlobalAvgPool())
                .add("flatten", new Flatten())
                .add("classifier", Linear.builder().setUnits(5).build())
                .add("dequant", new DeQuantStub());
    }

    static float relDiff(float a, float b) {
        return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b));
    }

    /** A fresh twin PTQ'd with torch's activation qparams frozen in; returns its int8 output on x. */
    static float[] kernelsOnly(JsonObject fx, String backend, NDManager m, NDArray x) {
        Block model = twin();
        model.initialize(m, DataType.FLOAT32, new Shape(2, 3, 16, 16));
        Map<String, Parameter> params = BlockTree.parameters(model);
        JsonObject state = fx.getAsJsonObject("state");
        for (String k : state.keySet()) {
            params.get(k).getArray().set(TestFixtures.floats(state.getAsJsonObject(k).get("data")));
        }
        Ptq ptq = Ptq.prepare(model, QConfig.of(backend));
        for (JsonElement b : fx.getAsJsonArray("calibration")) {
            ptq.calibrate(TestFixtures.tensor(m, b.getAsJsonObject()));
        }
        JsonObject acts = fx.getAsJsonObject("activations");
        Map<String, QParams> given = new java.util.HashMap<>();
        for (String k : acts.keySet()) {
            QParams ours = ptq.activationObservers().get(k).observer().calculateQParams();
            given.put(k, QParams.perTensor(TestFixtures.floats(acts.getAsJsonObject(k).get("scale"))[0],
                    TestFixtures.ints(acts.getAsJsonObject(k).get("zeroPoint"))[0], ours.qscheme(), ours.dtype(),
                    ours.quantMin(), ours.quantMax()));
        }
        return TestModels.eval(ptq.convert(given), m, x).toFloatArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"qnnpack", "x86", "onednn"})
    void matchesTorchEagerPtq(String backend) {
        JsonObject fx = TestFixtures.object("quant/ptq_tiny.json").getAsJsonObject(backend);
        try (NDManager m = NDManager.newBaseManager()) {
            Block model = twin();
            model.initialize(m, DataType.FLOAT32, new Shape(2, 3, 16, 16));
            Map<String, Parameter> params = BlockTree.parameters(model);
            JsonObject state = fx.getAsJsonObject("state");
            assertEquals(state.keySet(), params.keySet(), "same keys as the torch model");
            for (String k : state.keySet()) {
                params.get(k).getArray().set(TestFixtures.floats(state.getAsJsonObject(k).get("data")));
            }
            NDArray x = TestFixtures.tensor(m, fx.getAsJsonObject("x"));
            NDArray ref = TestModels.eval(model, m, x);
            assertArrayEquals(TestFixtures.floats(fx.getAsJsonObject("float_out").get("data")), ref.toFloatArray(), 1e-5f);

            Ptq ptq = Ptq.prepare(model, QConfig.of(backend));
            List<NDArray> calib = new ArrayList<>();
            for (JsonElement b : fx.getAsJsonArray("calibration")) {
                calib.add(TestFixtures.tensor(m, b.getAsJsonObject()));
            }
            ptq.calibrate(calib);
            Block q = ptq.convert();

            JsonObject acts = fx.getAsJsonObject("activations");
            assertEquals(acts.keySet(), ptq.activationQParams().keySet(), "observers at the same places as torch");
            float worstAct = 0;
            for (String k : acts.keySet()) {
                QParams qp = ptq.activationQParams().get(k);
                float s = TestFixtures.floats(acts.getAsJsonObject(k).get("scale"))[0];
                worstAct = Math.max(worstAct, relDiff(s, qp.scale()[0]));
                int zp = TestFixtures.ints(acts.getAsJsonObject(k).get("zeroPoint"))[0];
                assertTrue(Math.abs(zp - qp.zeroPoint()[0]) <= 1, k + " zero point " + qp.zeroPoint()[0] + " vs " + zp);
            }
            assertTrue(worstAct < 1e-6, "activation scales differ by up to " + worstAct);
            JsonObject wts = fx.getAsJsonObject("weights");
            float worstW = 0;
            for (String k : wts.keySet()) {
                QParams qp = ptq.weightQParams().containsKey(k) ? ptq.weightQParams().get(k)
                        : ptq.weightQParams().get(k + ".0");
                float[] s = TestFixtures.floats(wts.getAsJsonObject(k).get("scale"));
                float[] got = qp.scale();
                assertEquals(s.length, got.length, k);
                for (int i = 0; i < s.length; i++) {
                    worstW = Math.max(worstW, relDiff(s[i], got[i]));
                }
                assertArrayEquals(TestFixtures.ints(wts.getAsJsonObject(k).get("zeroPoint")), qp.zeroPoint(), k);
            }
            assertTrue(worstW < 1e-6, "weight scales differ by up to " + worstW);

            float[] torchInt8 = TestFixtures.floats(fx.getAsJsonObject("int8_out").get("data"));
            float[] ours = TestModels.eval(q, m, x).toFloatArray();
            float outScale = TestFixtures.floats(acts.getAsJsonObject("classifier").get("scale"))[0];
            float worst = 0;
            for (int i = 0; i < ours.length; i++) {
                worst = Math.max(worst, Math.abs(ours[i] - torchInt8[i]));
            }
            float[] same = kernelsOnly(fx, backend, m, x);
            int mismatched = 0;
            float worstSame = 0;
            for (int i = 0; i < same.length; i++) {
                float d = Math.abs(same[i] - torchInt8[i]) / outScale;
                worstSame = Math.max(worstSame, d);
                mismatched += d > 0.5f ? 1 : 0;
            }
            // qnnpack: within one output step of torch's real int8 kernels, 2 of 10 outputs off by one (3 of 10 before
            // average pools were requantized on their input's grid; the rest is qnnpack's fixed-point add and pool).
            // x86 qconfig runs on torch's onednn engine here (Debian's torch has no fbgemm), whose requantization
            // differs more: 4 steps measured, before and after the bias/pool change, even with torch's own qparams.
            // onednn: torch's onednn qconfig (full-range activations) executed by its qnnpack kernels, which accumulate
            // in int32 like labkit (torch's onednn kernels on this AVX2 CPU saturate 16-bit pair sums instead)
            boolean qnnpack = !"x86".equals(backend);
            float allowed = qnnpack ? 1.01f : 4.01f;
            assertTrue(worst <= allowed * outScale, "int8 outputs differ by " + worst / outScale + " output steps");
            assertTrue(worstSame <= allowed, "with torch's qparams: " + worstSame + " steps");
            if (qnnpack) {
                assertTrue(mismatched <= 2, mismatched + " of 10 outputs differ from torch's qnnpack model");
            }
            assertEquals(List.of("pool"), List.copyOf(ptq.poolQParams().keySet()), "pool requantized");
            assertEquals(ptq.activationQParams().get("2.conv.2"), ptq.poolQParams().get("pool"),
                    "the pool keeps its input's qparams");
            assertEquals(List.of(), ptq.floatBiases());
        }
    }
}
