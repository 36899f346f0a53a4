package labkit.export;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import java.nio.file.Path;
import java.util.List;
import labkit.nn.Act;
import labkit.nn.ConvBnAct;
import labkit.nn.Flatten;
import labkit.nn.GlobalAvgPool;
import labkit.nn.InvertedResidual;
import labkit.nn.MaxPool2d;
import labkit.nn.PixelShuffle;
import labkit.nn.Residual;
import labkit.nn.Sequential;
import labkit.nn.Upsample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Per-op equivalence: each exportable block on seeded random weights and input, ORT vs DJL within 1e-4. */
class OnnxExporterOpsTest {
    static final float TOL = 1e-4f;

    @TempDir
    Path dir;

    private ExportResult last;

    private float diff(Block b, Shape s) {
        try (NDManager m = NDManager.newBaseManager()) {
            ExportCheck.init(b, m, s, 7);
            float d = ExportCheck.maxDiff(b, ExportCheck.input(m, s, 11), dir.resolve("op.onnx"));
            last = OnnxExporter.builder().build().export(b, s, dir.resolve("again.onnx"));
            return d;
        }
    }

    @Test
    void convWithBiasStridePadding() {
        Block conv = ConvBnAct.builder(6).kernel(3).stride(2).padding(1).noBatchNorm().act(Act.Kind.IDENTITY).build();
        assertEquals(0, diff(conv, new Shape(1, 4, 9, 9)), TOL);
    }

    @Test
    void groupedConvBnReluIsFoldedIntoOneConv() {
        Block b = new Sequential().add(ConvBnAct.builder(8).groups(2).build());
        assertEquals(0, diff(b, new Shape(1, 4, 8, 8)), TOL);
        var r = last;
        assertEquals(1, r.opCounts().get("Conv"));
        assertNull(r.opCounts().get("BatchNormalization"), r.opCounts().toString());
    }

    @Test
    void depthwiseConvBnRelu6() {
        assertEquals(0, diff(ConvBnAct.builder(6).groups(6).stride(2).act(Act.Kind.RELU6).build(), new Shape(1, 6, 10, 10)), TOL);
    }

    @Test
    void batchNormAfterAnActivationStaysABatchNormalization() {
        Block b = new Sequential().add(Act.relu()).add(ConvBnAct.batchNorm(1e-3f));
        assertEquals(0, diff(b, new Shape(1, 5, 4, 4)), TOL);
        var r = last;
        assertEquals(1, r.opCounts().get("BatchNormalization"));
    }

    @ParameterizedTest
    @EnumSource(Act.Kind.class)
    void everyActivation(Act.Kind kind) {
        Block b = new Sequential().add(ConvBnAct.builder(4).kernel(1).act(kind).build());
        assertEquals(0, diff(b, new Shape(1, 3, 5, 5)), TOL);
    }

    @Test
    void maxPoolGlobalPoolFlattenLinear() {
        Block b = new Sequential().add(new MaxPool2d(3, 2, 1)).add(new GlobalAvgPool()).add(new Flatten())
                .add(Linear.builder().setUnits(7).build());
        assertEquals(0, diff(b, new Shape(1, 6, 9, 9)), TOL);
    }

    @Test
    void linearOnARank3InputUsesMatMul() {
        assertEquals(0, diff(new Sequential().add(Linear.builder().setUnits(5).build()), new Shape(2, 3, 4)), TOL);
    }

    @ParameterizedTest
    @EnumSource(Upsample.Mode.class)
    void upsampleEveryMode(Upsample.Mode mode) {
        assertEquals(0, diff(new Sequential().add(new Upsample(2, mode)), new Shape(1, 2, 5, 6)), TOL);
        assertEquals(0, diff(new Sequential().add(new Upsample(3, mode)), new Shape(1, 2, 4, 4)), TOL);
    }

    @Test
    void pixelShuffleIsDepthToSpaceCrd() {
        Block b = new Sequential().add(Conv2d.builder().setKernelShape(new Shape(3, 3)).optPadding(new Shape(1, 1))
                .setFilters(18).build()).add(new PixelShuffle(3));
        assertEquals(0, diff(b, new Shape(1, 2, 4, 5)), TOL);
    }

    @Test
    void residualAndInvertedResiduals() {
        assertEquals(0, diff(new Residual(ConvBnAct.builder(4).build()), new Shape(1, 4, 6, 6)), TOL);
        assertEquals(0, diff(new InvertedResidual(8, 8, 1, 6), new Shape(1, 8, 6, 6)), TOL);
        assertEquals(0, diff(new InvertedResidual(8, 12, 2, 1), new Shape(1, 8, 6, 6)), TOL);
    }

    @Test
    void batchAxisIsDynamic() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Block b = ConvBnAct.builder(4).build();
            ExportCheck.init(b, m, new Shape(1, 3, 6, 6), 3);
            Path f = dir.resolve("dyn.onnx");
            OnnxExporter.builder().build().export(b, new Shape(1, 3, 6, 6), f);
            var x = ExportCheck.input(m, new Shape(3, 3, 6, 6), 4);
            try (OrtModel ort = OrtModel.open(f, 1)) {
                assertEquals("input", ort.inputName());
                assertEquals(List.of("output"), ort.outputNames());
                assertEquals(-1, ort.inputShape()[0]);
                var y = ort.predict(x);
                assertEquals(new Shape(3, 4, 6, 6), y.getShape());
                assertEquals(0, y.sub(ExportCheck.djl(b, x).head()).abs().max().getFloat(), TOL);
            }
        }
    }
}
