package labkit.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import labkit.nn.BlockTree;
import labkit.nn.InvertedResidual;
import org.junit.jupiter.api.Test;

/** MobileNetV2's names and numbers against torchvision 0.14 (fixture from make_quant_fixtures.py). */
class MobileNetV2Test {

    static JsonObject fixture() throws Exception {
        try (Reader r = new InputStreamReader(MobileNetV2Test.class.getResourceAsStream(
                "/fixtures/quant/mobilenet_v2.json"), StandardCharsets.UTF_8)) {
            return JsonParser.parseReader(r).getAsJsonObject();
        }
    }

    @Test
    void fullWidthMatchesTorchvisionKeysAndCount() throws Exception {
        JsonObject fx = fixture();
        for (boolean quantizable : new boolean[] {false, true}) {
            JsonObject tv = fx.getAsJsonObject(quantizable ? "quantizable_mobilenet_v2" : "mobilenet_v2");
            try (NDManager m = NDManager.newBaseManager()) {
                Block model = MobileNetV2.builder().quantizable(quantizable).build();
                model.initialize(m, DataType.FLOAT32, new Shape(1, 3, 224, 224));
                List<String> expected = new ArrayList<>();
                for (JsonElement k : tv.getAsJsonArray("keys")) {
                    expected.add(k.getAsString());
                }
                assertEquals(expected, new ArrayList<>(BlockTree.parameters(model).keySet()));
                assertEquals(3_504_872L, tv.get("parameters").getAsLong());
                assertEquals(3_504_872L, BlockTree.countParameters(model));
            }
        }
    }

    @Test
    void smallModelRunsForwardAndBackwardShapes() throws Exception {
        JsonObject small = fixture().getAsJsonObject("mobilenet_v2_w0.35_c10");
        try (NDManager m = NDManager.newBaseManager()) {
            Block model = MobileNetV2.builder().widthMult(0.35).numClasses(10).relu(true).build();
            model.initialize(m, DataType.FLOAT32, new Shape(2, 3, 64, 64));
            assertEquals(small.get("parameters").getAsLong(), BlockTree.countParameters(model));
            NDArray y = model.forward(new ParameterStore(m, false), new NDList(m.randomNormal(new Shape(2, 3, 64, 64))),
                    false).singletonOrThrow();
            assertEquals(new Shape(2, 10), y.getShape());
            long residuals = BlockTree.find(model, InvertedResidual.class).stream()
                    .filter(p -> p.getValue().useResidual()).count();
            assertEquals(10, residuals);
            assertTrue(BlockTree.get(model, "features.1.conv") != null);
        }
    }
}
