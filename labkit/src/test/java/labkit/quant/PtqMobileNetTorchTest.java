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
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import labkit.TestFixtures;
import labkit.models.MobileNetV2;
import labkit.nn.BlockTree;
import org.junit.jupiter.api.Test;

/**
 * torchvision's quantizable MobileNetV2 (width 0.35, 10 classes, random BN statistics) through torch 1.13's
 * qnnpack PTQ vs labkit's: same weights (mobilenet_v2_w035.f32), same calibration batches.
 */
class PtqMobileNetTorchTest {

    static float[] weights() throws Exception {
        try (InputStream in = PtqMobileNetTorchTest.class.getResourceAsStream("/fixtures/quant/mobilenet_v2_w035.f32")) {
            FloatBuffer fb = ByteBuffer.wrap(in.readAllBytes()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
            float[] all = new float[fb.remaining()];
            fb.get(all);
            return all;
        }
    }

    @Test
    void histogramOnTorchsOwnActivations() {
        JsonObject fx = TestFixtures.object("quant/mobilenet_v2_w035_ptq.json");
        JsonObject seen = fx.getAsJsonObject("observed");
        try (NDManager m = NDManager.newBaseManager()) {
            for (String k : seen.keySet()) {
                HistogramObserver o = HistogramObserver.builder().build(); // qnnpack activations
                for (JsonElement b : seen.getAsJsonArray(k)) {
                    o.observe(TestFixtures.tensor(m, b.getAsJsonObject()));
                }
                QParams qp = o.calculateQParams();
                JsonObject want = fx.getAsJsonObject("activations").getAsJsonObject(k);
                assertArrayEquals(TestFixtures.floats(want.get("scale")), qp.scale(), k);
                assertArrayEquals(TestFixtures.ints(want.get("zeroPoint")), qp.zeroPoint(), k);
            }
        }
    }

    /** A fresh twin PTQ'd with torch's activation qparams frozen in; returns its int8 output on x. */
    static float[] kernelsOnly(JsonObject fx, JsonObject acts, float[] all, NDManager m, NDArray x) {
        Block model = MobileNetV2.builder().widthMult(0.35).numClasses(10).quantizable(true).build();
        model.initialize(m, DataType.FLOAT32, new Shape(2, 3, 32, 32));
        Map<String, Parameter> params = BlockTree.parameters(model);
        JsonObject index = fx.getAsJsonObject("index");
        for (String k : index.keySet()) {
            int off = index.getAsJsonObject(k).get("offset").getAsInt();
            float[] v = new float[(int) params.get(k).getArray().size()];
            System.arraycopy(all, off, v, 0, v.length);
            params.get(k).getArray().set(v);
        }
        Ptq ptq = Ptq.prepare(model, QConfig.qnnpack());
        ptq.calibrate(x);
        Map<String, QParams> torchActs = new java.util.HashMap<>();
        for (String k : acts.keySet()) {
            torchActs.put(k, QParams.perTensor(TestFixtures.floats(acts.getAsJsonObject(k).get("scale"))[0],
                    TestFixtures.ints(acts.getAsJsonObject(k).get("zeroPoint"))[0], QScheme.PER_TENSOR_AFFINE,
                    QuantDType.QUINT8, 0, 255));
        }
        return TestModels.eval(ptq.convert(torchActs), m, x).toFloatArray();
    }

    @Test
    void qnnpackPtqMatchesTorch() throws Exception {
        JsonObject fx = TestFixtures.object("quant/mobilenet_v2_w035_ptq.json");
        float[] all = weights();
        try (NDManager m = NDManager.newBaseManager()) {
            Block model = MobileNetV2.builder().widthMult(0.35).numClasses(10).quantizable(true).build();
            model.initialize(m, DataType.FLOAT32, new Shape(2, 3, 32, 32));
            Map<String, Parameter> params = BlockTree.parameters(model);
            JsonObject index = fx.getAsJsonObject("index");
            assertEquals(index.keySet(), params.keySet());
            for (String k : index.keySet()) {
                JsonObject e = index.getAsJsonObject(k);
                int off = e.get("offset").getAsInt();
                int n = (int) params.get(k).getArray().size();
                float[] v = new float[n];
                System.arraycopy(all, off, v, 0, n);
                params.get(k).getArray().set(v);
            }
            NDArray x = TestFixtures.tensor(m, fx.getAsJsonObject("x"));
            assertArrayEquals(TestFixtures.floats(fx.getAsJsonObject("float_out").get("data")),
                    TestModels.eval(model, m, x).toFloatArray(), 1e-4f, "float model equals torchvision's");

            Ptq ptq = Ptq.prepare(model, QConfig.qnnpack());
            assertEquals(64, ptq.activationObservers().size());
            assertEquals(53, ptq.weightObservers().size());
            assertTrue(ptq.activationObservers().containsKey("features.3.skip_add"));
            assertTrue(ptq.activationObservers().containsKey("features.1.conv.1"), "project conv observed");
            List<NDArray> calib = new ArrayList<>();
            for (JsonElement b : fx.getAsJsonArray("calibration")) {
                calib.add(TestFixtures.tensor(m, b.getAsJsonObject()));
            }
            ptq.calibrate(calib);
            Block q = ptq.convert();

            JsonObject acts = fx.getAsJsonObject("activations");
            Map<String, QParams> ours = ptq.activationQParams();
            assertEquals(acts.keySet(), ours.keySet(), "observers at torch's places");
            float worst = 0;
            int exact = 0;
            for (String k : acts.keySet()) {
                float s = TestFixtures.floats(acts.getAsJsonObject(k).get("scale"))[0];
                float got = ours.get(k).scale()[0];
                worst = Math.max(worst, Math.abs(s - got) / s);
                int zp = TestFixtures.ints(acts.getAsJsonObject(k).get("zeroPoint"))[0];
                if (Math.abs(s - got) / s <= 1e-6 && zp == ours.get(k).zeroPoint()[0]) {
                    exact++;
                }
            }
            // DJL's float activations differ from torch's by rounding (~1e-6), and by which kernel set
            // (ATEN_CPU_CAPABILITY) sums them; the histogram search's greedy stop is discontinuous, so on a few layers
            // it stops elsewhere (up to 11% in scale). No ulp bound carries through a discontinuous search, so the count
            // is a sentinel with a margin: measured 61 (avx512), 60 (default), 59 (avx2) of 64 on an AMD EPYC; at most
            // one layer in eight may stop elsewhere. Fed torch's own activations, our HistogramObserver gives torch's
            // scales bit-exactly on every kernel set (histogramOnTorchsOwnActivations): that is the strict check.
            assertTrue(exact >= 56, exact + " of 64 activation scales equal torch's (bound: at least 56, i.e. at most"
                    + " 1 in 8 layers' histogram search stops elsewhere on ulp-level activation differences)");
            assertTrue(worst < 0.15, "activation scales differ by up to " + worst);

            float[] torchInt8 = TestFixtures.floats(fx.getAsJsonObject("int8_out").get("data"));
            float[] out = TestModels.eval(q, m, x).toFloatArray();
            float outScale = TestFixtures.floats(acts.getAsJsonObject("classifier.1").get("scale"))[0];
            float diff = 0;
            for (int i = 0; i < out.length; i++) {
                diff = Math.max(diff, Math.abs(out[i] - torchInt8[i]));
            }
            assertArrayEquals(new int[] {0}, ptq.weightQParams().get("classifier.1").zeroPoint());
            // the same with torch's own activation qparams: only the simulated kernels differ
            float[] same = kernelsOnly(fx, acts, all, m, x);
            int mismatched = 0;
            float worstSame = 0;
            for (int i = 0; i < same.length; i++) {
                float d = Math.abs(same[i] - torchInt8[i]) / outScale;
                worstSame = Math.max(worstSame, d);
                mismatched += d > 0.5f ? 1 : 0;
            }
            // measured: identical to torch's int8 output (0 of 20 outputs differ). Before biases were put on their
            // int32 grid, 7 of 20 differed by one step.
            assertEquals(0, mismatched, mismatched + " of 20 outputs differ from torch's, by up to " + worstSame
                    + " steps, with torch's own activation qparams");
            assertTrue(worstSame < 1e-3f, "kernels differ by " + worstSame + " steps");
            assertEquals(117, ptq.qparamsTable().rowCount());
            // 59 to 61 of 64 scales exact, worst 11% (classifier.1's own scale among them), so end to end the outputs
            // sit on a slightly different grid; the kernels alone are exact (above), the rest is the histogram
            // search, downstream of a discontinuous function: a sentinel with a margin, not an arithmetic bound.
            // Measured 2.32 steps (avx512), 2.50 (avx2) on an AMD EPYC; 1.47 with float biases.
            assertTrue(diff <= 4f * outScale, "int8 outputs differ by " + diff / outScale + " output steps from torch's"
                    + " (sentinel 4: the histogram search stops elsewhere on a few layers, see above)");
        }
    }
}
