package labkit.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.engine.Engine;
import com.google.gson.JsonElement;
import java.util.HashSet;
import java.util.Set;
import labkit.TestFixtures;
import labkit.nn.BlockTree;
import org.junit.jupiter.api.Test;

class DepthNetTest {

    @Test
    void shapesThroughTheNetAt224() {
        try (NDManager m = NDManager.newBaseManager()) {
            DepthNet net = DepthNet.create();
            Shape in = new Shape(1, 3, 224, 224);
            net.initialize(m, DataType.FLOAT32, in);
            assertEquals(new Shape(1, 1, 56, 56), net.getOutputShapes(new Shape[] {in})[0]);
            NDArray x = m.randomUniform(0f, 1f, in);
            ParameterStore ps = new ParameterStore(m, false);
            NDList levels = net.levels(ps, new NDList(x), false, null);
            assertEquals(new Shape(1, 40, 28, 28), levels.get(0).getShape());
            assertEquals(new Shape(1, 112, 14, 14), levels.get(1).getShape());
            assertEquals(new Shape(1, 320, 7, 7), levels.get(2).getShape());
            NDList pyramid = net.bifpn().forward(ps, levels, false);
            assertEquals(new Shape(1, 64, 28, 28), pyramid.get(0).getShape());
            assertEquals(new Shape(1, 64, 14, 14), pyramid.get(1).getShape());
            assertEquals(new Shape(1, 64, 7, 7), pyramid.get(2).getShape());
            NDArray y = net.forward(ps, new NDList(x), false).singletonOrThrow();
            assertEquals(new Shape(1, 1, 56, 56), y.getShape());
            assertTrue(Float.isFinite(y.sum().getFloat()));
        }
    }

    @Test
    void backboneNamesAreTorchvisionsFeatureKeys() throws Exception {
        Set<String> torchvision = new HashSet<>();
        for (JsonElement e : TestFixtures.json("depth/efficientnet_b0.json").getAsJsonObject().getAsJsonArray("keys")) {
            torchvision.add(e.getAsJsonArray().get(0).getAsString());
        }
        try (NDManager m = NDManager.newBaseManager()) {
            DepthNet net = DepthNet.create();
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            int backbone = 0;
            for (String key : BlockTree.parameters(net).keySet()) {
                assertTrue(key.startsWith("features.") || key.startsWith("bifpn.") || key.startsWith("head."), key);
                if (key.startsWith("features.")) {
                    assertTrue(torchvision.contains(key), key + " is not a torchvision efficientnet_b0 key");
                    backbone++;
                }
            }
            // features.0..7 of torchvision = every features key except features.8.*
            long expected = torchvision.stream().filter(k -> k.startsWith("features.") && !k.startsWith("features.8."))
                    .count();
            assertEquals(expected, backbone);
        }
    }

    @Test
    void trainingStepGivesGradientsEverywhere() {
        Engine.getInstance().setRandomSeed(6);
        try (NDManager m = NDManager.newBaseManager()) {
            DepthNet net = DepthNet.builder().width(16).repeats(1).headWidth(8).build();
            net.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 64));
            NDArray x = m.randomUniform(0f, 1f, new Shape(2, 3, 64, 64));
            NDArray target = m.randomUniform(0f, 1f, new Shape(2, 1, 16, 16));
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = net.forward(new ParameterStore(m, false), new NDList(x), true).singletonOrThrow();
                NDArray loss = y.sub(target).square().mean();
                gc.backward(loss);
            }
            var params = BlockTree.parameters(net);
            assertTrue(params.get("head.out.weight").getArray().getGradient().abs().sum().getFloat() > 0);
            assertTrue(params.get("features.0.0.weight").getArray().getGradient().abs().sum().getFloat() > 0);
        }
    }

    @Test
    void rejectsInputsThatAreNotMultiplesOf32() {
        DepthNet net = DepthNet.create();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.getOutputShapes(new Shape[] {new Shape(1, 3, 230, 224)}));
        assertTrue(e.getMessage().contains("multiples of 32"), e.getMessage());
    }
}
