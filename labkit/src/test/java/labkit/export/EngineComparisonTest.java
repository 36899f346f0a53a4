package labkit.export;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import labkit.models.MobileNetV2;
import labkit.quant.QConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/** Every form gets a row per thread count, and its quality is scored on the model that form runs. */
class EngineComparisonTest {
    @TempDir
    Path dir;

    @Test
    void scoresEachFormOnceOnItsOwnEngineAndFillsTheQualityColumn() {
        Shape s = new Shape(1, 3, 32, 32);
        List<float[]> outputs = new ArrayList<>();
        try (NDManager data = NDManager.newBaseManager()) {
            NDArray batch = ExportCheck.input(data, new Shape(4, 3, 32, 32), 11);
            Table t = EngineComparison.builder("tiny", m -> {
                Block b = MobileNetV2.builder().widthMult(0.35).numClasses(10).quantizable(true).build();
                ExportCheck.init(b, m, s, 3);
                return b;
            }, s).int8("per-channel", QConfig.fbgemm())
                    .calibration(ptq -> ptq.calibrate(ExportCheck.input(data, new Shape(2, 3, 32, 32), 12)))
                    .evaluation(infer -> {
                        NDArray y = infer.apply(batch.duplicate());
                        assertEquals(new Shape(4, 10), y.getShape()); // a batch of 4 through a batch-1 export
                        outputs.add(y.toFloatArray());
                        return Map.of("mean logit", (double) y.mean().getFloat());
                    })
                    .threads(1, 2).warmup(0).rounds(1).reps(1).dir(dir).log(l -> { }).build().run();
            assertEquals(List.of("DJL eager fp32", "DJL eager fp32", "DJL BN-fused fp32", "DJL BN-fused fp32",
                    "ORT fp32", "ORT fp32", "ORT int8 per-channel", "ORT int8 per-channel"),
                    t.stringColumn("variant").asList());
            assertEquals(List.of("DJL eager", "DJL eager", "DJL BN-fused", "DJL BN-fused", "ONNX Runtime",
                    "ONNX Runtime", "ONNX Runtime", "ONNX Runtime"), t.stringColumn("engine").asList());
            assertEquals(4, outputs.size(), "one evaluation per form, not per thread count");
            // fp32 forms agree to float rounding; the int8 form computes something else (its own engine ran)
            assertArrayEquals(outputs.get(0), outputs.get(2), 1e-4f);
            float int8Diff = 0;
            for (int i = 0; i < outputs.get(0).length; i++) {
                int8Diff = Math.max(int8Diff, Math.abs(outputs.get(0)[i] - outputs.get(3)[i]));
            }
            assertTrue(int8Diff > 1e-4f, "int8 scores equal fp32 exactly: was the ORT int8 session used?");
            for (int i = 0; i < t.rowCount(); i++) {
                assertFalse(t.doubleColumn("mean logit").isMissing(i));
            }
            assertEquals(t.doubleColumn("mean logit").get(4), t.doubleColumn("mean logit").get(5));
            assertTrue(t.doubleColumn("file MB").get(6) < t.doubleColumn("file MB").get(4), "int8 file smaller");
        }
    }
}
