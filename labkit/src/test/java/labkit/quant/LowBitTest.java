package labkit.quant;

import labkit.TestFixtures;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** n-bit fake-quant against torch 1.13's FakeQuantize with quant_min/quant_max (make_lowbit_fixtures.py). */
class LowBitTest {

    @Test
    void rangesAreTorchsNBitRanges() {
        assertEquals(0, LowBit.quantMin(QuantDType.QUINT8, 4));
        assertEquals(15, LowBit.quantMax(QuantDType.QUINT8, 4));
        assertEquals(-8, LowBit.quantMin(QuantDType.QINT8, 4));
        assertEquals(7, LowBit.quantMax(QuantDType.QINT8, 4));
        assertEquals(-2, LowBit.quantMin(QuantDType.QINT8, 2));
        assertEquals(4, LowBit.bitsOf(-8, 7));
        assertEquals(8, LowBit.bitsOf(0, 255));
        assertThrows(IllegalArgumentException.class, () -> LowBit.quantMax(QuantDType.QINT8, 1));
        assertThrows(IllegalArgumentException.class, () -> LowBit.minMax(9, 8));
    }

    @Test
    void observersAndFakeQuantMatchTorchForTwoToEightBits() {
        JsonObject root = TestFixtures.object("quant/lowbit.json");
        int n = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            for (JsonElement e : root.getAsJsonArray("cases")) {
                JsonObject c = e.getAsJsonObject();
                String label = c.get("bits") + " bits " + c.get("dtype").getAsString() + " "
                        + c.get("qscheme").getAsString();
                QuantDType dt = QuantDType.valueOf(c.get("dtype").getAsString());
                QScheme qs = QScheme.valueOf(c.get("qscheme").getAsString());
                int qmin = c.get("quantMin").getAsInt();
                int qmax = c.get("quantMax").getAsInt();
                Observer o = qs.isPerChannel()
                        ? PerChannelMinMaxObserver.builder().dtype(dt).qscheme(qs).quantRange(qmin, qmax).build()
                        : MinMaxObserver.builder().dtype(dt).qscheme(qs).quantRange(qmin, qmax).build();
                JsonObject in = root.getAsJsonObject(c.get("input").getAsString());
                NDArray x = m.create(TestFixtures.floats(in.get("data")), shape(in));
                o.observe(x);
                QParams qp = o.calculateQParams();
                assertArrayEquals(TestFixtures.floats(c.get("scale")), qp.scale(), label + ": scale bit-exact");
                assertArrayEquals(TestFixtures.ints(c.get("zeroPoint")), qp.zeroPoint(), label + ": zero point");
                x.setRequiresGradient(true);
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray y = Quantizer.fakeQuantize(x, qp);
                    assertArrayEquals(TestFixtures.floats(c.get("fq")), y.toFloatArray(),
                            label + ": fake-quant bit-exact (same float32 formula as torch's kernel)");
                    gc.backward(y.sum());
                }
                float[] grad = TestFixtures.floats(c.get("grad"));
                assertArrayEquals(grad, x.getGradient().toFloatArray(), label + ": straight-through gradient");
                n++;
            }
            assertEquals(35, n, "7 bit widths x 5 schemes");
        }
    }

    @Test
    void qatMovingAverageFakeQuantMatchesTorchStepByStep() {
        JsonObject root = TestFixtures.object("quant/lowbit.json");
        try (NDManager m = NDManager.newBaseManager()) {
            for (JsonElement e : root.getAsJsonArray("qat")) {
                JsonObject c = e.getAsJsonObject();
                int bits = c.get("bits").getAsInt();
                Observer o = LowBit.qat(8, bits).activation().get();
                assertEquals(c.get("quantMin").getAsInt(), o.quantMin());
                assertEquals(c.get("quantMax").getAsInt(), o.quantMax());
                int step = 0;
                for (JsonElement s : c.getAsJsonArray("steps")) {
                    JsonObject st = s.getAsJsonObject();
                    NDArray x = m.create(TestFixtures.floats(st.get("x")));
                    o.observe(x);
                    QParams qp = o.calculateQParams();
                    String label = bits + "-bit QAT step " + step++;
                    assertArrayEquals(TestFixtures.floats(st.get("scale")), qp.scale(), label + ": scale");
                    assertEquals(st.get("zeroPoint").getAsInt(), qp.zeroPoint()[0], label + ": zero point");
                    assertArrayEquals(TestFixtures.floats(st.get("fq")), Quantizer.fakeQuantize(x, qp, false)
                            .toFloatArray(), label + ": fake-quant");
                }
            }
        }
    }

    @Test
    void packingRoundTripsEveryWidth() {
        Random r = new Random(3);
        for (int bits = 1; bits <= 4; bits++) {
            int qmin = -(1 << (bits - 1));
            int[] v = new int[37];
            for (int i = 0; i < v.length; i++) {
                v[i] = qmin + r.nextInt(1 << bits);
            }
            byte[] p = QuantizedModelFile.pack(v, qmin, bits);
            assertEquals((37 * bits + 7) / 8, p.length, bits + " bits: packed length");
            assertArrayEquals(v, QuantizedModelFile.unpack(p, v.length, qmin, bits), bits + " bits: round trip");
        }
        assertThrows(IllegalArgumentException.class, () -> QuantizedModelFile.pack(new int[] {8}, -8, 4));
    }

    @Test
    void fourBitFileIsPackedAndMixedPrecisionKeepsNamedLayersAtEightBits(@TempDir Path dir) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x;
            long[] sizes = new long[2];
            List<String> layers = new ArrayList<>();
            for (int bits : new int[] {8, 4}) {
                Block model = TestModels.smallMobileNet(m, 7);
                x = m.randomNormal(new Shape(2, 3, 32, 32));
                Ptq ptq = Ptq.prepare(model, QConfigMapping.of(LowBit.minMax(bits, 8)));
                ptq.calibrate(List.of(x));
                ptq.convert();
                sizes[bits == 8 ? 0 : 1] = QuantizedModelFile.save(ptq, dir.resolve("w" + bits + ".lkq"));
                if (layers.isEmpty()) {
                    layers.addAll(ptq.weightQParams().keySet());
                }
            }
            assertTrue(sizes[1] < 0.75 * sizes[0], "4-bit weights packed two per byte: " + sizes[1] + " vs "
                    + sizes[0] + " bytes");

            // mixed precision: first and last weight layer at 8 bits, the rest at 4; save → load gives same outputs
            String first = layers.get(0);
            String last = layers.get(layers.size() - 1);
            QConfigMapping mixed = QConfigMapping.of(LowBit.minMax(4, 8)).with(first, LowBit.minMax(8, 8))
                    .with(last, LowBit.minMax(8, 8));
            Block model = TestModels.smallMobileNet(m, 7);
            x = m.randomNormal(new Shape(2, 3, 32, 32));
            Ptq ptq = Ptq.prepare(model, mixed);
            ptq.calibrate(List.of(x));
            Block q = ptq.convert();
            assertEquals(127, ptq.weightQParams().get(first).quantMax(), first + " stays 8-bit");
            assertEquals(127, ptq.weightQParams().get(last).quantMax(), last + " stays 8-bit");
            assertEquals(7, ptq.weightQParams().get(layers.get(1)).quantMax(), layers.get(1) + " is 4-bit");
            float[] out = TestModels.eval(q, m, x).toFloatArray();
            QuantizedModelFile.save(ptq, dir.resolve("mixed.lkq"));
            Ptq twin = Ptq.prepare(TestModels.smallMobileNet(m, 8), mixed);
            Block loaded = QuantizedModelFile.load(twin, dir.resolve("mixed.lkq"));
            assertArrayEquals(out, TestModels.eval(loaded, m, x).toFloatArray(), 0f, "packed file loads exactly");
            assertEquals(ptq.weightQParams(), twin.weightQParams());
        }
    }

    private static Shape shape(JsonObject t) {
        JsonElement s = t.get("shape");
        long[] d = new long[s.getAsJsonArray().size()];
        for (int i = 0; i < d.length; i++) {
            d[i] = s.getAsJsonArray().get(i).getAsLong();
        }
        return new Shape(d);
    }
}
