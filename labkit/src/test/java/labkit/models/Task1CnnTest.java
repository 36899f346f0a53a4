package labkit.models;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.Map;
import labkit.nn.BlockTree;
import org.junit.jupiter.api.Test;

class Task1CnnTest {
    @Test
    void logitsShapeAndTorchStyleNames() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block cnn = Task1Cnn.create(10, 32);
            cnn.initialize(m, ai.djl.ndarray.types.DataType.FLOAT32, new Shape(1, 3, 32, 32));
            NDArray x = m.randomNormal(new Shape(5, 3, 32, 32));
            NDArray y = cnn.forward(new ParameterStore(m, false), new NDList(x), false).head();
            assertEquals(new Shape(5, 10), y.getShape());
            assertEquals(new Shape(5, 10), cnn.getOutputShapes(new Shape[] {new Shape(5, 3, 32, 32)})[0]);
            Map<String, ?> params = BlockTree.parameters(cnn);
            assertTrue(params.containsKey("features.0.0.weight"), params.keySet().toString());
            assertTrue(params.containsKey("features.0.1.running_mean"), params.keySet().toString());
            assertTrue(params.containsKey("classifier.4.bias"), params.keySet().toString());
            // 3→32→64→128 convs (no bias) + 3 BNs + 2048→128 + 128→10
            long expected = 3 * 32 * 9 + 32 * 64 * 9 + 64 * 128 * 9 + 2 * (32 + 64 + 128)
                    + 2048 * 128 + 128 + 128 * 10 + 10;
            assertEquals(expected, BlockTree.countParameters(cnn));
        }
    }

    @Test
    void rejectsBadSizes() {
        assertThrows(IllegalArgumentException.class, () -> Task1Cnn.create(10, 30));
        assertThrows(IllegalArgumentException.class, () -> Task1Cnn.create(1, 32));
    }
}
