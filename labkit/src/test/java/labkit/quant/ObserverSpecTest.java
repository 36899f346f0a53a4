package labkit.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The worked examples of specs/quantization.md and the error cases. */
class ObserverSpecTest {
    static NDManager m;
    static final float[] SPEC = {-1.3f, 0.2f, 2.7f, 0.05f, -0.4f};

    @BeforeAll
    static void start() {
        m = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        m.close();
    }

    static QParams minMax(float[] x, QuantDType d, QScheme s, boolean reduce) {
        Observer o = MinMaxObserver.builder().dtype(d).qscheme(s).reduceRange(reduce).build();
        o.observe(m.create(x));
        return o.calculateQParams();
    }

    @Test
    void workedExamples() {
        QParams a = minMax(SPEC, QuantDType.QUINT8, QScheme.PER_TENSOR_AFFINE, false);
        assertEquals(0.01568627543747425f, a.scale()[0]);
        assertEquals(83, a.zeroPoint()[0]);
        QParams b = minMax(SPEC, QuantDType.QINT8, QScheme.PER_TENSOR_SYMMETRIC, false);
        assertEquals(0.021176470443606377f, b.scale()[0]);
        assertEquals(0, b.zeroPoint()[0]);
        QParams c = minMax(SPEC, QuantDType.QUINT8, QScheme.PER_TENSOR_SYMMETRIC, false);
        assertEquals(0.021176470443606377f, c.scale()[0]);
        assertEquals(128, c.zeroPoint()[0]);
        QParams d = minMax(SPEC, QuantDType.QUINT8, QScheme.PER_TENSOR_AFFINE, true);
        assertEquals(0.031496062874794006f, d.scale()[0]);
        assertEquals(41, d.zeroPoint()[0]);
        QParams e = minMax(new float[] {-1, 3}, QuantDType.QINT8, QScheme.PER_TENSOR_AFFINE, true);
        assertEquals(4f / 127f, e.scale()[0], 1e-7);
        assertEquals(-32, e.zeroPoint()[0]);
        QParams f = minMax(new float[] {-5, -1}, QuantDType.QUINT8, QScheme.PER_TENSOR_AFFINE, false);
        assertEquals(5f / 255f, f.scale()[0], 1e-7);
        assertEquals(255, f.zeroPoint()[0]);
        QParams g = minMax(new float[] {0, 0, 0}, QuantDType.QUINT8, QScheme.PER_TENSOR_AFFINE, false);
        assertEquals(1.1920929e-07f, g.scale()[0]);
        assertEquals(0, g.zeroPoint()[0]);

        MovingAverageMinMaxObserver ma = MovingAverageMinMaxObserver.builder().build();
        ma.observe(m.create(new float[] {-1, 1}));
        ma.observe(m.create(new float[] {-3, 2}));
        ma.observe(m.create(new float[] {0, 5}));
        assertEquals(-1.0098f, ma.minVal()[0], 1e-6);
        assertEquals(1.0499f, ma.maxVal()[0], 1e-6);
        assertEquals(125, ma.calculateQParams().zeroPoint()[0]);

        float[][] w = {{0.1f, -0.2f, 0.3f}, {1.0f, -2.0f, 0.5f}};
        PerChannelMinMaxObserver sym = PerChannelMinMaxObserver.builder().dtype(QuantDType.QINT8)
                .qscheme(QScheme.PER_CHANNEL_SYMMETRIC).build();
        sym.observe(m.create(w));
        assertArrayEquals(new float[] {0.3f / 127.5f, 2.0f / 127.5f}, sym.calculateQParams().scale(), 1e-7f);
        assertArrayEquals(new int[] {0, 0}, sym.calculateQParams().zeroPoint());
        PerChannelMinMaxObserver aff = PerChannelMinMaxObserver.builder().dtype(QuantDType.QINT8)
                .qscheme(QScheme.PER_CHANNEL_AFFINE).build();
        aff.observe(m.create(w));
        assertArrayEquals(new float[] {0.5f / 255f, 3.0f / 255f}, aff.calculateQParams().scale(), 1e-7f);
        assertArrayEquals(new int[] {-26, 42}, aff.calculateQParams().zeroPoint());
        assertEquals(0, aff.calculateQParams().axis());
    }

    @Test
    void clearErrors() {
        IllegalArgumentException sym = assertThrows(IllegalArgumentException.class, () -> MinMaxObserver.builder()
                .qscheme(QScheme.PER_TENSOR_SYMMETRIC).reduceRange(true).build());
        assertTrue(sym.getMessage().contains("quint8"), sym.getMessage());
        IllegalStateException never = assertThrows(IllegalStateException.class,
                () -> MinMaxObserver.builder().build().calculateQParams());
        assertTrue(never.getMessage().contains("observe"), never.getMessage());
        assertThrows(IllegalStateException.class,
                () -> PerChannelMinMaxObserver.builder().build().calculateQParams());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> MinMaxObserver.builder().build().observe(m.create(new float[0])));
        assertTrue(empty.getMessage().contains("empty"), empty.getMessage());
        IllegalArgumentException axis = assertThrows(IllegalArgumentException.class,
                () -> PerChannelMinMaxObserver.builder().chAxis(3).build().observe(m.ones(new Shape(2, 3))));
        assertTrue(axis.getMessage().contains("chAxis 3"), axis.getMessage());
        PerChannelMinMaxObserver pc = PerChannelMinMaxObserver.builder().build();
        pc.observe(m.ones(new Shape(2, 3)));
        assertThrows(IllegalArgumentException.class, () -> pc.observe(m.ones(new Shape(4, 3))));
        assertThrows(IllegalArgumentException.class,
                () -> MinMaxObserver.builder().qscheme(QScheme.PER_CHANNEL_AFFINE).build());
        assertThrows(IllegalArgumentException.class, () -> MinMaxObserver.builder().quantRange(1, 10).build());
        assertThrows(IllegalArgumentException.class,
                () -> MinMaxObserver.builder().dtype(QuantDType.QINT8).quantRange(-200, 10).build());
    }

    @Test
    void negativeAxisCountsFromTheEnd() {
        PerChannelMinMaxObserver o = PerChannelMinMaxObserver.builder().chAxis(-1).build();
        o.observe(m.create(new float[][] {{1, -2, 3}, {4, 5, -6}}));
        assertArrayEquals(new float[] {1, -2, -6}, o.minVal());
        assertEquals(1, o.calculateQParams().axis());
    }
}
