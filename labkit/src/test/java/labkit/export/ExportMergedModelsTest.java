package labkit.export;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import java.nio.file.Path;
import labkit.models.DepthNet;
import labkit.models.EfficientNetB0;
import labkit.models.MobileNetV2;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** MobileNetV2, EfficientNet-B0 (MBConv, squeeze-excitation, SiLU) and the depth net: ORT fp32 vs DJL within 1e-4. */
class ExportMergedModelsTest {
    static final float TOL = 1e-4f;

    @TempDir
    Path dir;

    private float diff(Block b, Shape s) {
        try (NDManager m = NDManager.newBaseManager()) {
            ExportCheck.init(b, m, s, 41);
            return ExportCheck.maxDiff(b, ExportCheck.input(m, s, 42), dir.resolve("net.onnx"));
        }
    }

    @Test
    void mobileNetV2() {
        assertEquals(0, diff(MobileNetV2.builder().widthMult(0.35).numClasses(10).build(), new Shape(1, 3, 64, 64)), TOL);
    }

    @Test
    void quantizableMobileNetV2WithStubsAndSkipAdds() {
        assertEquals(0, diff(MobileNetV2.builder().widthMult(0.35).numClasses(10).quantizable(true).build(),
                new Shape(1, 3, 64, 64)), TOL);
    }

    @Test
    void efficientNetB0() {
        assertEquals(0, diff(EfficientNetB0.create(10), new Shape(1, 3, 64, 64)), TOL);
    }

    @Test
    void depthNet() {
        assertEquals(0, diff(DepthNet.builder().build(), new Shape(1, 3, 64, 64)), TOL);
    }
}
