package labkit.models;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import labkit.nn.BlockTree;
import labkit.nn.Complexity;
import org.junit.jupiter.api.Test;

class StudentNetTest {
    static JsonObject fixture() throws Exception {
        try (var r = new InputStreamReader(StudentNetTest.class.getResourceAsStream("/fixtures/compress/compress.json"),
                StandardCharsets.UTF_8)) {
            return JsonParser.parseReader(r).getAsJsonObject();
        }
    }

    @Test
    void parameterCountsAndOutputShapesMatchTheHomeworksPyTorchNetwork() throws Exception {
        JsonObject cases = fixture().getAsJsonObject("student_net");
        assertEquals(5, cases.size());
        try (NDManager m = NDManager.newBaseManager()) {
            for (String key : cases.keySet()) {
                JsonObject c = cases.getAsJsonObject(key);
                StudentNet net = new StudentNet(c.get("base").getAsInt(), c.get("width_mult").getAsDouble(),
                        c.get("classes").getAsInt());
                net.initialize(m, DataType.FLOAT32, new Shape(2, 3, 32, 32));
                assertEquals(c.get("parameters").getAsLong(), BlockTree.countParameters(net), key);
                Shape out = net.forward(new ParameterStore(m, false), new NDList(m.zeros(new Shape(2, 3, 32, 32))), false)
                        .head().getShape();
                assertEquals(new Shape(2, c.get("classes").getAsInt()), out, key);
            }
        }
    }

    @Test
    void stateDictKeysAndShapesMatchPyTorch() throws Exception {
        JsonObject keys = fixture().getAsJsonObject("student_net_8_0.5_10_keys");
        try (NDManager m = NDManager.newBaseManager()) {
            StudentNet net = new StudentNet(8, 0.5, 10);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            Map<String, Parameter> params = BlockTree.parameters(net);
            assertEquals(keys.keySet(), params.keySet());
            for (String k : keys.keySet()) {
                long[] dims = new long[keys.getAsJsonArray(k).size()];
                for (int i = 0; i < dims.length; i++) {
                    dims[i] = keys.getAsJsonArray(k).get(i).getAsLong();
                }
                assertEquals(new Shape(dims), params.get(k).getArray().getShape(), k);
            }
        }
    }

    @Test
    void separableNetworkIsFarSmallerThanTheStandardOneOfTheSameWidths() {
        try (NDManager m = NDManager.newBaseManager()) {
            StudentNet sep = new StudentNet(16, 1, 10);
            StudentNet std = StudentNet.standard(16, 1, 10);
            sep.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            std.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            int[] bw = StudentNet.bandwidth(16, 1);
            long expected = 3L * 9 * bw[0] + 2L * bw[0] + bw[0];
            for (int i = 1; i < 8; i++) {
                expected += 9L * bw[i - 1] * bw[i] + bw[i] + 2L * bw[i];
            }
            expected += (long) bw[7] * 10 + 10;
            Complexity a = Complexity.of(sep);
            Complexity b = Complexity.of(std);
            assertEquals(expected, b.parameters());
            assertTrue(a.parameters() * 6 < b.parameters(), a + " vs " + b);
            assertTrue(a.macs() * 4 < b.macs(), a + " vs " + b);
        }
    }

    @Test
    void widthMultScalesBlocksThreeToSixAndBadArgumentsAreNamed() {
        assertArrayEquals(new int[] {8, 16, 32, 32, 64, 64, 64, 128}, StudentNet.bandwidth(8, 0.5));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new StudentNet(0, 1, 10)).getMessage()
                .contains("base"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new StudentNet(8, 0, 10)).getMessage()
                .contains("widthMult"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new StudentNet(8, 1, 1)).getMessage()
                .contains("classes"));
    }
}
