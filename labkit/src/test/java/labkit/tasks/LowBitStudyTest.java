package labkit.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import labkit.models.MobileNetV2;
import labkit.nn.BlockTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LowBitStudyTest {

    /** Rows for every method × bits, packed 4-bit files, and an analysis from the numbers (LAPQ: CalibrationTest). */
    @Test
    void rowsTableChartAndAnalysis(@TempDir Path dir) {
        try (NDManager keep = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(5);
            Block ref = MobileNetV2.builder().widthMult(0.35).numClasses(4).quantizable(true).build();
            ref.initialize(keep, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            NDArray x = keep.randomNormal(new Shape(4, 3, 32, 32));
            NDArray y = forward(ref, keep, x);
            java.util.function.Function<NDManager, Block> copy = m -> {
                Block b = MobileNetV2.builder().widthMult(0.35).numClasses(4).quantizable(true).build();
                b.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
                Map<String, ai.djl.nn.Parameter> dst = BlockTree.parameters(b);
                BlockTree.parameters(ref).forEach((k, p) -> dst.get(k).getArray().set(p.getArray().toFloatArray()));
                return b;
            };
            java.util.function.ToDoubleFunction<Block> err = b -> forward(b, keep, x).sub(y).square().mean()
                    .getFloat();
            List<LowBitStudy.Row> rows = LowBitStudy.run("classifier", copy, List.of(x), err,
                    b -> -err.applyAsDouble(b), dir, List.of("min-max", "mse+bias-corr"),
                    List.of(new int[] {8, 8}, new int[] {4, 4}), null);
            assertEquals(1 + 2 + 2, rows.size(), "fp32 + 2 methods at w8a8 and at w4a4");
            assertEquals("fp32", rows.get(0).method());
            LowBitStudy.Row w8 = rows.stream().filter(r -> r.weightBits() == 8).findFirst().get();
            LowBitStudy.Row w4 = rows.stream().filter(r -> r.weightBits() == 4).findFirst().get();
            assertTrue(w4.bytes() < 0.75 * w8.bytes(), "4-bit weights packed: " + w4.bytes() + " vs " + w8.bytes());
            assertTrue(w8.quality() > w4.quality(), "8 bits closer to fp32 than 4: " + w8 + " " + w4);
            assertEquals(5, LowBitStudy.table(rows).rowCount());
            assertTrue(LowBitStudy.analysis(rows).contains("At w4a4 the best is"), LowBitStudy.analysis(rows));
            LowBitStudy.chart(rows, "classifier");
        }
    }

    private static NDArray forward(Block b, NDManager m, NDArray x) {
        return b.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
    }
}
