package labkit.nn;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import labkit.TestFixtures;
import org.junit.jupiter.api.Test;

class FFNetHeadTest {
    private static final int[] R18 = {64, 128, 256, 512};
    private static final int[] R50 = {256, 512, 1024, 2048};

    private static Shape[] pyramid(int[] ch, int n, int h, int w) {
        Shape[] s = new Shape[4];
        for (int i = 0; i < 4; i++) {
            s[i] = new Shape(n, ch[i], h >> i, w >> i);
        }
        return s;
    }

    @Test
    void parameterCountsMatchTheReferenceHeads() {
        JsonObject f = TestFixtures.section("segsr/segsr.json", "ffnet");
        try (NDManager m = NDManager.newBaseManager()) {
            for (FFNetHead.Kind k : FFNetHead.Kind.values()) {
                for (int[] ch : new int[][] {R18, R50}) {
                    FFNetHead head = FFNetHead.of(k, ch, 19);
                    Shape[] in = pyramid(ch, 1, 16, 32);
                    head.initialize(m, DataType.FLOAT32, in);
                    JsonObject fx = f.getAsJsonObject(k + "_" + ch[0]);
                    assertEquals(fx.get("params").getAsLong(), BlockTree.countParameters(head), k + " " + ch[0]);
                    head.clear();
                }
            }
        }
    }

    @Test
    void shapesAtSeveralSizes() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (FFNetHead.Kind k : FFNetHead.Kind.values()) {
                FFNetHead head = new FFNetHead(k, R18, 4, k == FFNetHead.Kind.B);
                head.initialize(m, DataType.FLOAT32, pyramid(R18, 1, 8, 8));
                for (int[] hw : new int[][] {{8, 8}, {16, 24}, {32, 16}}) {
                    Shape[] in = pyramid(R18, 2, hw[0], hw[1]);
                    NDList x = new NDList();
                    for (Shape s : in) {
                        x.add(m.randomNormal(s));
                    }
                    Shape want = new Shape(2, 4, hw[0], hw[1]);
                    assertEquals(want, head.forward(new ParameterStore(m, false), x, false).head().getShape(), k.toString());
                    assertEquals(want, head.getOutputShapes(in)[0]);
                }
            }
            FFNetHead head = FFNetHead.of(FFNetHead.Kind.C, R18, 4);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> head.getOutputShapes(pyramid(R50, 1, 16, 16)));
            assertTrue(e.getMessage().contains("branch 0"), e.getMessage());
        }
    }
}
