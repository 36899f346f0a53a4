package labkit.nn;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.nn.Parameter;
import org.junit.jupiter.api.Test;

class CollapsibleLinearBlockTest {

    private static float maxDiff(int in, int out, int k, int e, boolean res, Shape x) {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(7);
            CollapsibleLinearBlock b = new CollapsibleLinearBlock(in, out, k, e, res);
            b.setInitializer(new NormalInitializer(0.1f), Parameter.Type.BIAS);
            b.initialize(m, DataType.FLOAT32, x);
            NDArray input = m.randomNormal(x);
            ParameterStore ps = new ParameterStore(m, false);
            NDArray y = b.forward(ps, new NDList(input), false).singletonOrThrow();
            Conv2d c = b.collapse(m);
            NDArray yc = c.forward(ps, new NDList(input), false).singletonOrThrow();
            assertEquals(y.getShape(), yc.getShape());
            assertEquals(new Shape(x.get(0), out, x.get(2), x.get(3)), y.getShape());
            return yc.sub(y).abs().max().getFloat();
        }
    }

    @Test
    void collapsedEqualsExpanded() {
        assertTrue(maxDiff(16, 16, 3, 256, true, new Shape(2, 16, 12, 10)) < 1e-4f); // residual
        assertTrue(maxDiff(1, 16, 5, 64, true, new Shape(1, 1, 9, 11)) < 1e-5f);      // C_in != C_out: no residual
        assertTrue(maxDiff(8, 4, 3, 32, false, new Shape(3, 8, 7, 7)) < 1e-5f);
        assertTrue(maxDiff(4, 4, 1, 8, true, new Shape(1, 4, 5, 6)) < 1e-5f);
    }

    @Test
    void residualOnlyWhenWidthsMatchAndEvenKernelsRejected() {
        assertTrue(new CollapsibleLinearBlock(16, 16, 3, 64, true).residual());
        assertFalse(new CollapsibleLinearBlock(1, 16, 5, 64, true).residual());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CollapsibleLinearBlock(4, 4, 4, 8, true));
        assertTrue(e.getMessage().contains("odd"));
        assertThrows(IllegalStateException.class, () -> {
            try (NDManager m = NDManager.newBaseManager()) {
                new CollapsibleLinearBlock(4, 4, 3, 8, true).collapse(m);
            }
        });
    }
}
