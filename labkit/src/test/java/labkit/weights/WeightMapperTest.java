package labkit.weights;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import labkit.TestFixtures;
import labkit.models.Task1Cnn;
import labkit.nn.Act;
import labkit.nn.BlockTree;
import labkit.nn.ConvBnAct;
import labkit.nn.Flatten;
import labkit.nn.GlobalAvgPool;
import labkit.nn.Residual;
import labkit.nn.Sequential;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WeightMapperTest {

    /** The labkit twin of TinyNetTwin in make_weights_fixtures.py. */
    static Block tinyNet(float bnEps) {
        return new Sequential()
                .add("stem", ConvBnAct.builder(8).kernel(3).stride(2).act(Act.Kind.SILU).bnEps(bnEps).build())
                .add("block", new Residual(new Sequential()
                        .add(ConvBnAct.builder(8).kernel(3).groups(8).act(Act.Kind.RELU6).bnEps(bnEps).build())
                        .add(ConvBnAct.builder(8).kernel(1).act(null).bnEps(bnEps).build())))
                .add("head", new Sequential().add(new GlobalAvgPool()).add(new Flatten())
                        .add(Linear.builder().setUnits(5).build()));
    }

    /** Loads {@code pth} into {@code model}, runs the fixture input in eval mode, compares with torch's logits. */
    private static void matchesTorch(Block model, String name) throws IOException {
        JsonObject ref = TestFixtures.object("weights/" + name + ".json");
        long[] inShape = TestFixtures.longs(ref, "input_shape");
        try (NDManager m = NDManager.newBaseManager()) {
            model.initialize(m, DataType.FLOAT32, new Shape(inShape));
            LoadReport r = WeightMapper.builder().batchNorm(1e-5f, 0.1f).build()
                    .apply(model, StateDict.read(TestFixtures.path("weights/" + name + ".pth")), name + ".pth");
            assertTrue(r.ok(), r.toString());
            assertEquals(BlockTree.parameters(model).size(), r.loaded().size());
            assertTrue(r.ignored().stream().allMatch(k -> k.endsWith("num_batches_tracked")), r.ignored().toString());
            NDArray x = m.create(TestFixtures.floats(ref, "input"), new Shape(inShape));
            NDArray y = model.forward(new ParameterStore(m, false), new NDList(x), false).head();
            assertEquals(new Shape(TestFixtures.longs(ref, "output_shape")), y.getShape());
            float[] want = TestFixtures.floats(ref, "output");
            float[] got = y.toFloatArray();
            for (int i = 0; i < want.length; i++) {
                assertEquals(want[i], got[i], 1e-4f, name + " logit " + i);
            }
        }
    }

    @Test
    void task1CnnGivesTorchsLogits() throws IOException {
        matchesTorch(Task1Cnn.create(3, 16, 4), "task1cnn");
    }

    @Test
    void smallLabkitNnModelGivesTorchsLogits() throws IOException {
        matchesTorch(tinyNet(1e-5f), "tinynet");
    }

    @Test
    void labkitKeysAreTorchsKeysInTorchsOrder() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Block cnn = Task1Cnn.create(3, 16, 4);
            cnn.initialize(m, DataType.FLOAT32, new Shape(1, 3, 16, 16));
            StateDict torch = StateDict.read(TestFixtures.path("weights/task1cnn.pth"));
            assertEquals(new ArrayList<>(torch.keys()), new ArrayList<>(StateDict.of(cnn).keys()));
        }
    }

    @Test
    void aWrongFileGivesTheKeyReportAndChangesNothing() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Block cnn = Task1Cnn.create(3, 16, 4);
            cnn.initialize(m, DataType.FLOAT32, new Shape(1, 3, 16, 16));
            float[] before = BlockTree.parameters(cnn).get("features.0.0.weight").getArray().toFloatArray();
            WeightMismatchException e = assertThrows(WeightMismatchException.class,
                    () -> WeightMapper.load(cnn, StateDict.read(TestFixtures.path("weights/tinynet.pth")), "tinynet.pth"));
            LoadReport r = e.report();
            assertTrue(r.missing().contains("classifier.4.weight"), r.toString());
            assertTrue(r.unexpected().contains("stem.0.weight"), r.toString());
            assertTrue(e.getMessage().contains("tinynet.pth") && e.getMessage().contains("missing")
                    && e.getMessage().contains("unexpected"), e.getMessage());
            assertArrayEquals(before, BlockTree.parameters(cnn).get("features.0.0.weight").getArray().toFloatArray());

            // same keys, other shapes: Task1Cnn with 5 classes against the 3-class file
            Block five = Task1Cnn.create(5, 16, 4);
            five.initialize(m, DataType.FLOAT32, new Shape(1, 3, 16, 16));
            LoadReport shapes = assertThrows(WeightMismatchException.class,
                    () -> WeightMapper.load(five, StateDict.read(TestFixtures.path("weights/task1cnn.pth")), "task1cnn.pth"))
                    .report();
            assertEquals(List.of("classifier.4.weight: file [3, 128], model [5, 128]",
                    "classifier.4.bias: file [3], model [5]"), shapes.wrongShape());
            assertTrue(shapes.missing().isEmpty() && shapes.unexpected().isEmpty(), shapes.toString());
        }
    }

    @Test
    void batchNormEpsOtherThanTheWeightsIsReported() throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = tinyNet(1e-3f);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 12, 12));
            LoadReport r = assertThrows(WeightMismatchException.class, () -> WeightMapper.builder()
                    .batchNorm(1e-5f, 0.1f).build().apply(net, StateDict.read(TestFixtures.path("weights/tinynet.pth")), "t"))
                    .report();
            assertEquals(3, r.batchNorm().size(), r.toString());
            assertTrue(r.batchNorm().get(0).startsWith("stem.1: eps 0.001"), r.batchNorm().get(0));
        }
    }

    @Test
    void javaToPthToJavaIsExactAndKeepsTheForward(@TempDir Path dir) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            Block a = tinyNet(1e-5f);
            a.initialize(m, DataType.FLOAT32, new Shape(1, 3, 12, 12));
            WeightMapper.load(a, StateDict.read(TestFixtures.path("weights/tinynet.pth")), "tinynet.pth");
            StateDict saved = StateDict.of(a);
            Path file = dir.resolve("tiny.pth");
            saved.write(file);
            StateDict back = StateDict.read(file);
            assertEquals(saved, back);
            Block b = tinyNet(1e-5f);
            b.initialize(m, DataType.FLOAT32, new Shape(1, 3, 12, 12));
            LoadReport r = WeightMapper.load(b, back, file.toString());
            assertTrue(r.ok());
            NDArray x = m.randomNormal(new Shape(2, 3, 12, 12));
            NDArray ya = a.forward(new ParameterStore(m, false), new NDList(x), false).head();
            NDArray yb = b.forward(new ParameterStore(m, false), new NDList(x), false).head();
            assertArrayEquals(ya.toFloatArray(), yb.toFloatArray());
            // the written values equal torch's file, key for key (num_batches_tracked aside)
            StateDict torch = StateDict.read(TestFixtures.path("weights/tinynet.pth"));
            for (String k : torch.keys()) {
                if (!k.endsWith("num_batches_tracked")) {
                    assertEquals(torch.get(k), back.get(k), k);
                }
            }
        }
    }

    @Test
    void checkWorksOnKeyListsAlone() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block cnn = Task1Cnn.create(3, 16, 4);
            cnn.initialize(m, DataType.FLOAT32, new Shape(1, 3, 16, 16));
            Map<String, long[]> shapes = new LinkedHashMap<>();
            StateDict.of(cnn).asMap().forEach((k, v) -> shapes.put(k, v.shape()));
            assertTrue(WeightMapper.builder().build().check(cnn, shapes, "keys").ok());
            shapes.remove("features.2.1.running_var");
            shapes.put("features.9.weight", new long[] {1});
            LoadReport r = WeightMapper.builder().build().check(cnn, shapes, "keys");
            assertEquals(List.of("features.2.1.running_var"), r.missing());
            assertEquals(List.of("features.9.weight"), r.unexpected());
        }
    }

    @Test
    void anUninitializedModelIsAClearError() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> WeightMapper.load(
                Task1Cnn.create(3, 16, 4), StateDict.read(TestFixtures.path("weights/task1cnn.pth")), "task1cnn.pth"));
        assertTrue(e.getMessage().contains("initialize"), e.getMessage());
    }
}
