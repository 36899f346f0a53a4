package labkit.nn;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import labkit.TestFixtures;
import labkit.models.Task1Cnn;
import org.junit.jupiter.api.Test;

class InvertedResidualTest {

    @Test
    void matchesTorchvisionKeysCountsAndShapes() {
        JsonObject f = TestFixtures.section("segsr/segsr.json", "inverted_residual");
        try (NDManager m = NDManager.newBaseManager()) {
            int[][] cases = {{16, 24, 2, 6}, {32, 32, 1, 6}, {32, 16, 1, 1}};
            for (int[] c : cases) {
                JsonObject fx = f.getAsJsonObject(c[0] + "_" + c[1] + "_" + c[2] + "_" + c[3]);
                InvertedResidual ir = new InvertedResidual(c[0], c[1], c[2], c[3]);
                Shape in = new Shape(2, c[0], 12, 10);
                ir.initialize(m, DataType.FLOAT32, in);
                assertEquals(fx.get("params").getAsLong(), BlockTree.countParameters(ir));
                List<String> keys = new ArrayList<>();
                for (JsonElement k : fx.getAsJsonArray("keys")) {
                    keys.add(k.getAsString());
                }
                assertEquals(keys, new ArrayList<>(BlockTree.parameters(ir).keySet()));
                assertEquals(fx.get("use_res_connect").getAsBoolean(), ir.useResConnect());
                Shape want = new Shape(2, c[1], 12 / c[2], 10 / c[2]);
                assertEquals(want, ir.forward(new ParameterStore(m, false), new NDList(m.randomNormal(in)), false).head().getShape());
            }
        }
    }

    @Test
    void rewriteKeepsShapesAndReportsCosts() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block cnn = Task1Cnn.create(10, 32);
            Shape in = new Shape(1, 3, 32, 32);
            cnn.initialize(m, DataType.FLOAT32, in);
            Complexity c0 = Complexity.of(cnn);
            long convMacs = 32L * 32 * 32 * 3 * 9 + 16L * 16 * 64 * 32 * 9 + 8L * 8 * 128 * 64 * 9;
            assertEquals(convMacs + 2048 * 128 + 128 * 10, c0.macs());
            InvertedResidualRewrite.Report r = InvertedResidualRewrite.apply(cnn, m, 6, in);
            assertEquals(List.of("features.0", "features.2", "features.4"), r.replaced());
            assertEquals(c0, r.before());
            assertTrue(r.after().parameters() != r.before().parameters());
            assertEquals(3, BlockTree.find(cnn, InvertedResidual.class).size());
            Shape batch = new Shape(2, 3, 32, 32);
            assertEquals(new Shape(2, 10), cnn.forward(new ParameterStore(m, false), new NDList(m.randomNormal(batch)), true)
                    .head().getShape());

            FFNetHead head = FFNetHead.of(FFNetHead.Kind.C, new int[] {64, 128, 256, 512}, 4);
            Shape[] pyr = {new Shape(1, 64, 16, 16), new Shape(1, 128, 8, 8), new Shape(1, 256, 4, 4), new Shape(1, 512, 2, 2)};
            head.initialize(m, DataType.FLOAT32, pyr);
            InvertedResidualRewrite.Report rh = InvertedResidualRewrite.apply(head, m, 4, pyr);
            assertEquals(4, rh.replaced().size(), rh.replaced().toString());
            NDList x = new NDList();
            for (Shape s : pyr) {
                x.add(m.randomNormal(s));
            }
            assertEquals(new Shape(1, 4, 16, 16), head.forward(new ParameterStore(m, false), x, false).head().getShape());
        }
    }
}
