package labkit.models;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import labkit.TestFixtures;
import labkit.nn.BlockTree;
import org.junit.jupiter.api.Test;

class ResNetTest {
    private static final Shape IN = new Shape(1, 3, 64, 96);

    @Test
    void parameterCountsAndKeysMatchTorchvision() {
        JsonObject f = TestFixtures.section("segsr/segsr.json", "resnet");
        try (NDManager m = NDManager.newBaseManager()) {
            for (int depth : new int[] {18, 34, 50}) {
                JsonObject fx = f.getAsJsonObject("resnet" + depth);
                ResNet net = ResNet.builder().depth(depth).numClasses(1000).build();
                net.initialize(m, DataType.FLOAT32, IN);
                assertEquals(fx.get("params").getAsLong(), BlockTree.countParameters(net), "resnet" + depth);
                List<String> keys = new ArrayList<>();
                for (JsonElement k : fx.getAsJsonArray("keys")) {
                    keys.add(k.getAsString());
                }
                if (!keys.isEmpty()) {
                    assertEquals(keys, new ArrayList<>(BlockTree.parameters(net).keySet()), "resnet" + depth);
                }
                assertEquals(new Shape(1, 1000), net.getOutputShapes(new Shape[] {IN})[0]);
                net.clear();
            }
        }
    }

    @Test
    void encoderStageShapes() {
        JsonObject f = TestFixtures.section("segsr/segsr.json", "resnet").getAsJsonObject("resnet18").getAsJsonObject("features_64x96");
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet enc = ResNet.builder().depth(18).featuresOnly().build();
            enc.initialize(m, DataType.FLOAT32, IN);
            NDList out = enc.forward(new ParameterStore(m, false), new NDList(m.randomNormal(new Shape(2, 3, 64, 96))), true);
            assertEquals(4, out.size());
            for (int i = 0; i < 4; i++) {
                long[] e = TestFixtures.longs(f.get("layer" + (i + 1)));
                e[0] = 2;
                assertEquals(new Shape(e), out.get(i).getShape());
            }
            // SR form: Y input, stride-1 stem, no pool → strides 1, 2, 4, 8
            ResNet sr = ResNet.builder().depth(18).featuresOnly().stemStride(1).stemPool(false).build();
            Shape y = new Shape(1, 1, 24, 40);
            sr.initialize(m, DataType.FLOAT32, y);
            Shape[] s = sr.getOutputShapes(new Shape[] {y});
            assertArrayEquals(new Shape[] {new Shape(1, 64, 24, 40), new Shape(1, 128, 12, 20), new Shape(1, 256, 6, 10),
                    new Shape(1, 512, 3, 5)}, s);
            assertArrayEquals(s, sr.forward(new ParameterStore(m, false), new NDList(m.ones(y)), false).getShapes());
        }
    }
}
