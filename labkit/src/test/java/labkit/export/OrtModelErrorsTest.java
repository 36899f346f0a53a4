package labkit.export;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.LambdaBlock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import labkit.models.Task1Cnn;
import labkit.nn.ConvBnAct;
import labkit.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Errors: an unknown block names its path and class; a missing, corrupt or foreign ONNX file names the file. */
class OrtModelErrorsTest {

    @TempDir
    Path dir;

    @Test
    void unknownBlockNamesItsPathAndClass() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block b = new Sequential().add("stem", ConvBnAct.builder(4).build())
                    .add("head", new Sequential().add(new LambdaBlock(Activation::relu)));
            b.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, 3, 8, 8));
            UnsupportedBlockException e = assertThrows(UnsupportedBlockException.class,
                    () -> OnnxExporter.builder().build().toProto(b, new Shape(1, 3, 8, 8)));
            assertEquals("head.0", e.path());
            assertEquals(LambdaBlock.class, e.blockClass());
            assertTrue(e.getMessage().contains("'head.0'") && e.getMessage().contains("LambdaBlock"), e.getMessage());
        }
    }

    @Test
    void uninitialisedModelSaysInitialiseFirst() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> OnnxExporter.builder().build().toProto(ConvBnAct.builder(4).build(), new Shape(1, 3, 8, 8)));
        assertTrue(e.getMessage().contains("'0'") && e.getMessage().contains("initialise"), e.getMessage());
    }

    @Test
    void missingCorruptAndTruncatedFilesNameTheFile() throws Exception {
        Path missing = dir.resolve("nope.onnx");
        OnnxModelException e = assertThrows(OnnxModelException.class, () -> OrtModel.open(missing, 1));
        assertTrue(e.getMessage().contains("nope.onnx") && e.getMessage().contains("does not exist"), e.getMessage());

        Path junk = dir.resolve("junk.onnx");
        byte[] bytes = new byte[4096];
        new Random(1).nextBytes(bytes);
        Files.write(junk, bytes);
        e = assertThrows(OnnxModelException.class, () -> OrtModel.open(junk, 1));
        assertTrue(e.getMessage().contains("junk.onnx") && e.getMessage().contains("cannot be loaded"), e.getMessage());

        try (NDManager m = NDManager.newBaseManager()) {
            Block b = Task1Cnn.create(10, 32, 8);
            ExportCheck.init(b, m, new Shape(1, 3, 32, 32), 1);
            Path good = dir.resolve("good.onnx");
            OnnxExporter.builder().build().export(b, new Shape(1, 3, 32, 32), good);
            byte[] all = Files.readAllBytes(good);
            Path cut = dir.resolve("cut.onnx");
            Files.write(cut, Arrays.copyOf(all, all.length / 2));
            e = assertThrows(OnnxModelException.class, () -> OrtModel.open(cut, 1));
            assertTrue(e.getMessage().contains("cut.onnx"), e.getMessage());
        }
    }

    @Test
    void fileOfAnotherModelOrInputSizeIsRefused() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block a = Task1Cnn.create(10, 32, 8);
            ExportCheck.init(a, m, new Shape(1, 3, 32, 32), 1);
            Path f = dir.resolve("a.onnx");
            OnnxExporter.builder().build().export(a, new Shape(1, 3, 32, 32), f);
            Block other = Task1Cnn.create(5, 32, 8);
            ExportCheck.init(other, m, new Shape(1, 3, 32, 32), 2);
            Block twin = Task1Cnn.create(10, 32, 8);
            ExportCheck.init(twin, m, new Shape(1, 3, 32, 32), 3);
            try (OrtModel ort = OrtModel.open(f, 1)) {
                ort.checkExportedFrom(twin); // same architecture: accepted
                OnnxModelException e = assertThrows(OnnxModelException.class, () -> ort.checkExportedFrom(other));
                assertTrue(e.getMessage().contains("a.onnx") && e.getMessage().contains("not from this model"),
                        e.getMessage());
                e = assertThrows(OnnxModelException.class,
                        () -> ort.predict(ExportCheck.input(m, new Shape(1, 3, 64, 64), 4)));
                assertTrue(e.getMessage().contains("a.onnx") && e.getMessage().contains("[-1, 3, 32, 32]"),
                        e.getMessage());
            }
        }
    }
}
