package labkit.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import labkit.TestFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** quantize / dequantize / fakeQuantize against torch's kernels, and the straight-through gradient. */
class QuantizerTest {
    static NDManager manager;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    static QParams qparams(JsonObject c) {
        int axis = c.get("axis").getAsInt();
        return new QParams(TestFixtures.floats(c.get("scale")), TestFixtures.ints(c.get("zeroPoint")), axis,
                axis < 0 ? QScheme.PER_TENSOR_AFFINE : QScheme.PER_CHANNEL_AFFINE,
                QuantDType.valueOf(c.get("dtype").getAsString()), c.get("quantMin").getAsInt(),
                c.get("quantMax").getAsInt());
    }

    @TestFactory
    Stream<DynamicTest> matchesTorchKernels() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonObject c : TestFixtures.objects("quant/quantize.json")) {
            String name = c.get("kind").getAsString() + " " + c.get("input").getAsString() + " " + c.get("dtype")
                    + " zp=" + c.get("zeroPoint") + " axis=" + c.get("axis");
            tests.add(DynamicTest.dynamicTest(name, () -> {
                try (NDManager m = manager.newSubManager()) {
                    QParams qp = qparams(c);
                    NDArray x = TestFixtures.tensor(m, c.getAsJsonObject("x"));
                    NDArray q = Quantizer.quantize(x, qp);
                    assertEquals(DataType.INT32, q.getDataType());
                    assertArrayEquals(TestFixtures.ints(c.get("q")), q.toIntArray(), "int_repr");
                    assertArrayEquals(TestFixtures.floats(c.get("dq")), Quantizer.dequantize(q, qp).toFloatArray(),
                            "dequantize");
                    assertArrayEquals(TestFixtures.floats(c.get("fq")), Quantizer.fakeQuantize(x, qp).toFloatArray(),
                            "fake_quantize");
                    if (c.has("grad")) {
                        x.setRequiresGradient(true);
                        try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                            NDArray y = Quantizer.fakeQuantize(x, qp);
                            assertArrayEquals(TestFixtures.floats(c.get("fq")), y.toFloatArray(), "forward under autograd");
                            gc.backward(y.sum());
                        }
                        assertArrayEquals(TestFixtures.floats(c.get("grad")), x.getGradient().toFloatArray(),
                                "straight-through gradient");
                    }
                }
            }));
        }
        return tests.stream();
    }

    @Test
    void straightThroughGradientIsMaskedOutsideRange() {
        try (NDManager m = manager.newSubManager()) {
            QParams qp = QParams.perTensor(0.1f, 0, QScheme.PER_TENSOR_AFFINE, QuantDType.QUINT8, 0, 255);
            NDArray x = m.create(new float[] {-1f, 0.04f, 0.26f, 25.5f, 25.6f, 30f});
            x.setRequiresGradient(true);
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray y = Quantizer.fakeQuantize(x, qp);
                assertArrayEquals(new float[] {0f, 0f, 0.3f, 25.5f, 25.5f, 25.5f}, y.toFloatArray(), 1e-6f);
                gc.backward(y.mul(m.create(new float[] {1, 2, 3, 4, 5, 6})).sum());
            }
            // 25.6/0.1 = 256 > 255 -> outside; 25.5/0.1 = 255 inside
            assertArrayEquals(new float[] {0, 2, 3, 4, 0, 0}, x.getGradient().toFloatArray());
        }
    }

    @Test
    void perChannelShapeMismatchIsClear() {
        try (NDManager m = manager.newSubManager()) {
            QParams qp = new QParams(new float[] {0.1f, 0.2f}, new int[] {0, 0}, 0, QScheme.PER_CHANNEL_SYMMETRIC,
                    QuantDType.QINT8, -128, 127);
            NDArray x = m.ones(new ai.djl.ndarray.types.Shape(3, 4));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Quantizer.quantize(x, qp));
            assertEquals(true, e.getMessage().contains("2 channels"), e.getMessage());
        }
    }

    @Test
    void fakeQuantizeLeavesOnlyItsOutputBehind() {
        // its temporaries are closed at once: a simulated int8 DepthNet kept ~4 GB of them per forward otherwise
        QParams pt = QParams.perTensor(0.1f, 128, QScheme.PER_TENSOR_AFFINE, QuantDType.QUINT8, 0, 255);
        QParams pc = new QParams(new float[] {0.1f, 0.2f}, new int[] {0, 0}, 1, QScheme.PER_CHANNEL_SYMMETRIC,
                QuantDType.QINT8, -128, 127);
        for (QParams qp : new QParams[] {pt, pc}) {
            for (boolean grad : new boolean[] {false, true}) {
                try (NDManager m = manager.newSubManager()) {
                    NDArray x = m.randomUniform(-2f, 2f, new ai.djl.ndarray.types.Shape(4, 2, 8, 8));
                    int before = m.getManagedArrays().size();
                    NDArray y = Quantizer.fakeQuantize(x, qp, grad);
                    assertEquals(before + 1, m.getManagedArrays().size(), qp.qscheme() + ", gradient " + grad);
                    assertEquals(x.getShape(), y.getShape());
                    assertEquals(true, y.sub(x).abs().max().getFloat() <= 0.5f * qp.scale()[qp.scale().length - 1]
                            + 1e-6f, "within half a step (no value clipped here)");
                }
            }
        }
    }
}
