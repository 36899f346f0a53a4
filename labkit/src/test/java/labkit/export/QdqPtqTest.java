package labkit.export;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import labkit.models.MobileNetV2;
import labkit.quant.MinMaxObserver;
import labkit.quant.Ptq;
import labkit.quant.QConfig;
import labkit.quant.QScheme;
import labkit.quant.QuantDType;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * labkit PTQ MobileNetV2 exported as static QDQ int8 with its own observers' qparams: ONNX Runtime's int8 model
 * against labkit's simulated-quantized DJL model, per-channel (fbgemm qconfig) and per-tensor weights.
 */
class QdqPtqTest {
    @TempDir
    Path dir;

    /** Per-tensor symmetric int8 weights with reduce_range activations (7-bit: no int16 saturation without VNNI). */
    static QConfig perTensor() {
        return new QConfig("per-tensor", () -> MinMaxObserver.builder().reduceRange(true).build(),
                () -> MinMaxObserver.builder().dtype(QuantDType.QINT8).qscheme(QScheme.PER_TENSOR_SYMMETRIC).build());
    }

    @ParameterizedTest
    @ValueSource(strings = {"fbgemm", "per-tensor"})
    void int8MobileNetV2MatchesLabkitSimulatedQuantization(String config) {
        try (NDManager m = NDManager.newBaseManager()) {
            Shape s = new Shape(2, 3, 64, 64);
            Block model = MobileNetV2.builder().widthMult(0.35).numClasses(10).quantizable(true).build();
            ExportCheck.init(model, m, s, 51);
            Ptq ptq = Ptq.prepare(model, config.equals("fbgemm") ? QConfig.fbgemm() : perTensor());
            for (int i = 0; i < 3; i++) {
                ptq.calibrate(ExportCheck.input(m, s, 60 + i));
            }
            Block q = ptq.convert();
            NDArray x = ExportCheck.input(m, s, 70);
            NDArray want = q.forward(new ParameterStore(m, false), new NDList(x), false).head();
            Path f = dir.resolve("int8.onnx");
            ExportResult r = OnnxExporter.builder().build().exportInt8(q, s, QdqPlan.of(ptq), f);
            assertEquals(List.of(), QdqExportTest.saturation(r));
            // the pool is requantized on its input's grid (as torch's quantized adaptive_avg_pool2d), so ORT runs it
            // as QLinearGlobalAveragePool; flatten keeps its input's grid (QDQ with the same params after it), so the
            // classifier reads an int8 value and runs as QGemm: nothing is left in float
            Map<String, Integer> ortOps = OrtModel.optimizedOpCounts(f);
            assertEquals(1, ortOps.get("com.microsoft:QLinearGlobalAveragePool"), ortOps.toString());
            assertEquals(1, ortOps.get("com.microsoft:QGemm"), ortOps.toString());
            assertFalse(ortOps.containsKey("Gemm"), ortOps.toString());
            assertEquals(Map.of(), DepthNetQdqTest.floatOps(r), r.warnings() + " / ORT: " + ortOps);
            assertTrue(r.opCounts().get("QuantizeLinear") > 30, r.opCounts().toString());
            try (OrtModel ort = OrtModel.open(f, 1)) {
                NDArray got = ort.predict(x);
                float maxDiff = got.sub(want).abs().max().getFloat();
                float range = want.max().getFloat() - want.min().getFloat();
                boolean sameTop1 = got.argMax(1).eq(want.argMax(1)).all().getBoolean();
                System.out.printf("MobileNetV2 w0.35 int8 (%s): ORT vs labkit simulated max |diff| %.3g (logit range %.3g),"
                        + " top-1 equal %s%n", config, maxDiff, range, sameTop1);
                assertTrue(maxDiff <= 0.05f * range, "max diff " + maxDiff + " vs logit range " + range);
                assertTrue(sameTop1);
            }
        }
    }
}
