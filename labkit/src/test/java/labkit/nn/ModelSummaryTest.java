package labkit.nn;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import labkit.models.Task1Cnn;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

class ModelSummaryTest {
    @Test
    void oneRowPerLayerWithShapesAndCounts() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block cnn = Task1Cnn.create(10, 32);
            Shape in = new Shape(2, 3, 32, 32);
            cnn.initialize(m, DataType.FLOAT32, in);
            Table t = ModelSummary.of(cnn, in);
            // 3 × (conv, bn, act, pool) + flatten, linear, act, dropout, linear + total
            assertEquals(12 + 5 + 1, t.rowCount());
            assertEquals("features.0.0", t.stringColumn("layer").get(0));
            assertEquals("(2, 32, 32, 32)", t.stringColumn("output shape").get(0));
            assertEquals(3 * 32 * 9, t.longColumn("parameters").get(0));
            assertEquals("(2, 10)", t.stringColumn("output shape").get(t.rowCount() - 2));
            long sum = 0;
            for (int i = 0; i < t.rowCount() - 1; i++) {
                sum += t.longColumn("parameters").get(i);
            }
            assertEquals(BlockTree.countParameters(cnn), sum);
            assertEquals(sum, t.longColumn("parameters").get(t.rowCount() - 1));
        }
    }
}
