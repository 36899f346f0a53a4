package labkit.export;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import java.nio.file.Path;
import labkit.image.OpenCv;
import labkit.models.ResNet;
import labkit.models.SuperResolutionNet;
import labkit.models.Task1Cnn;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.opencv.core.Mat;
import org.opencv.dnn.Dnn;
import org.opencv.dnn.Net;

/** Whole networks exported and run under ONNX Runtime (and OpenCV DNN) against their DJL originals. */
class OnnxExporterModelsTest {
    static final float TOL = 1e-4f;

    @TempDir
    Path dir;

    private float diff(Block b, Shape s) {
        try (NDManager m = NDManager.newBaseManager()) {
            ExportCheck.init(b, m, s, 21);
            return ExportCheck.maxDiff(b, ExportCheck.input(m, s, 22), dir.resolve("net.onnx"));
        }
    }

    @Test
    void task1Cnn() {
        assertEquals(0, diff(Task1Cnn.create(10, 32, 8), new Shape(2, 3, 32, 32)), TOL);
    }

    @Test
    void resnet18ClassifierSmallInput() {
        assertEquals(0, diff(ResNet.resnet18(10), new Shape(1, 3, 32, 32)), TOL);
    }

    @Test
    void resnet18FeaturesGiveFourOutputs() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block b = ResNet.builder().depth(18).featuresOnly().build();
            Shape s = new Shape(1, 3, 32, 32);
            ExportCheck.init(b, m, s, 5);
            Path f = dir.resolve("feat.onnx");
            assertEquals(0, ExportCheck.maxDiff(b, ExportCheck.input(m, s, 6), f), TOL);
            try (OrtModel ort = OrtModel.open(f, 1)) {
                assertEquals(java.util.List.of("output0", "output1", "output2", "output3"), ort.outputNames());
            }
        }
    }

    @Test
    void superResolutionNetWithBiFpnAndPixelShuffle() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block sr = new SuperResolutionNet(3, 8, 1);
            Shape s = new Shape(1, 1, 16, 16);
            ExportCheck.init(sr, m, s, 21);
            assertEquals(0, ExportCheck.maxDiff(sr, ExportCheck.input(m, s, 22), dir.resolve("sr.onnx")), TOL);
            var r = OnnxExporter.builder().build().toProto(sr, s);
            assertTrue(r.getGraph().getNodeList().stream().anyMatch(n -> n.getOpType().equals("DepthToSpace")));
            // every BN sits right after a conv and is folded away
            assertTrue(r.getGraph().getNodeList().stream().noneMatch(n -> n.getOpType().equals("BatchNormalization")));
        }
    }

    @Test
    void task1CnnAlsoRunsInOpenCvDnn() {
        OpenCv.load();
        try (NDManager m = NDManager.newBaseManager()) {
            Block b = Task1Cnn.create(10, 32, 8);
            Shape s = new Shape(1, 3, 32, 32);
            ExportCheck.init(b, m, s, 8);
            Path f = dir.resolve("cv.onnx");
            OnnxExporter.builder().build().export(b, s, f);
            NDArray x = ExportCheck.input(m, s, 9);
            float[] want = ExportCheck.djl(b, x).head().toFloatArray();
            Net net = Dnn.readNetFromONNX(f.toString());
            Mat blob = new Mat(new int[] {1, 3, 32, 32}, org.opencv.core.CvType.CV_32F);
            blob.put(new int[] {0, 0, 0, 0}, x.toFloatArray());
            net.setInput(blob);
            Mat out = net.forward();
            float[] got = new float[(int) out.total()];
            out.get(0, 0, got);
            assertEquals(want.length, got.length);
            for (int i = 0; i < got.length; i++) {
                assertEquals(want[i], got[i], TOL, "logit " + i);
            }
        }
    }
}
