package labkit.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelSizeTest {

    @Test
    void int8FileIsAboutAQuarterAndLoadsBackWithSameOutputs(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Block model = TestModels.smallMobileNet(m, 7);
            long fp32 = ModelSize.saveFloat(model, dir.resolve("fp32.params"));
            Ptq ptq = Ptq.prepare(model, QConfig.fbgemm());
            NDArray x = m.randomNormal(new Shape(2, 3, 32, 32));
            ptq.calibrate(List.of(x));
            Block q = ptq.convert();
            NDArray out = TestModels.eval(q, m, x);
            long int8 = QuantizedModelFile.save(ptq, dir.resolve("int8.lkq"));
            ModelSize size = ModelSize.of(fp32, int8);
            assertEquals(Files.size(dir.resolve("int8.lkq")), size.int8Bytes());
            assertTrue(size.ratio() > 0.24 && size.ratio() < 0.33, size.toString());

            // a fresh model of the same architecture, prepared with the same qconfig, runs the saved model
            Ptq twin = Ptq.prepare(TestModels.smallMobileNet(m, 8), QConfig.fbgemm());
            Block loaded = QuantizedModelFile.load(twin, dir.resolve("int8.lkq"));
            assertArrayEquals(out.toFloatArray(), TestModels.eval(loaded, m, x).toFloatArray(), 0f);
            assertEquals(ptq.weightQParams(), twin.weightQParams());

            Ptq otherArchitecture = Ptq.prepare(TestModels.convStack(m, 9), QConfig.fbgemm());
            assertThrows(IllegalArgumentException.class, () -> QuantizedModelFile.load(otherArchitecture,
                    dir.resolve("int8.lkq")));
            Ptq wrongConfig = Ptq.prepare(TestModels.convStack(m, 9), QConfig.qnnpack());
            assertThrows(IllegalArgumentException.class, () -> QuantizedModelFile.load(wrongConfig,
                    dir.resolve("int8.lkq")));
            Ptq notConverted = Ptq.prepare(TestModels.convStack(m, 1), QConfig.fbgemm());
            assertThrows(IllegalStateException.class, () -> QuantizedModelFile.save(notConverted, dir.resolve("x")));
        }
    }
}
