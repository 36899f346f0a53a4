package labkit.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import labkit.TestFixtures;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/** Every observer × qscheme × dtype × reduceRange (and custom ranges) against PyTorch 1.13 fixtures. */
class ObserverFixtureTest {
    static NDManager manager;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    static Observer build(JsonObject c) {
        String cls = c.get("observer").getAsString();
        Observer.Builder<?> b;
        switch (cls) {
            case "MinMaxObserver": b = MinMaxObserver.builder(); break;
            case "MovingAverageMinMaxObserver": {
                MovingAverageMinMaxObserver.Builder mb = MovingAverageMinMaxObserver.builder();
                if (TestFixtures.has(c, "averagingConstant")) {
                    mb.averagingConstant(c.get("averagingConstant").getAsDouble());
                }
                b = mb;
                break;
            }
            case "PerChannelMinMaxObserver":
                b = PerChannelMinMaxObserver.builder().chAxis(c.get("chAxis").getAsInt());
                break;
            case "MovingAveragePerChannelMinMaxObserver": {
                MovingAveragePerChannelMinMaxObserver.Builder mb =
                        MovingAveragePerChannelMinMaxObserver.builder().chAxis(c.get("chAxis").getAsInt());
                if (TestFixtures.has(c, "averagingConstant")) {
                    mb.averagingConstant(c.get("averagingConstant").getAsDouble());
                }
                b = mb;
                break;
            }
            case "HistogramObserver": b = HistogramObserver.builder(); break;
            default: throw new IllegalArgumentException(cls);
        }
        b.dtype(QuantDType.valueOf(c.get("dtype").getAsString()))
                .qscheme(QScheme.valueOf(c.get("qscheme").getAsString()))
                .reduceRange(c.get("reduceRange").getAsBoolean());
        if (TestFixtures.has(c, "quantMin")) {
            b.quantRange(c.get("quantMin").getAsInt(), c.get("quantMax").getAsInt());
        }
        return b.build();
    }

    static String name(JsonObject c) {
        return c.get("observer").getAsString() + " " + c.get("input").getAsString() + " " + c.get("dtype")
                .getAsString() + " " + c.get("qscheme").getAsString() + (c.get("reduceRange").getAsBoolean()
                ? " reduce" : "") + (TestFixtures.has(c, "chAxis") ? " axis=" + c.get("chAxis") : "")
                + (TestFixtures.has(c, "averagingConstant") ? " c=" + c.get("averagingConstant") : "")
                + (TestFixtures.has(c, "quantMin") ? " range=" + c.get("quantMin") + ".." + c.get("quantMax") : "");
    }

    static void check(JsonObject c) {
        if (c.has("error")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> build(c));
            assertTrue(e.getMessage().contains("Cannot reduce range for symmetric"), e.getMessage());
            return;
        }
        Observer o = build(c);
        assertEquals(c.get("observerQuantMin").getAsInt(), o.quantMin(), "quant_min");
        assertEquals(c.get("observerQuantMax").getAsInt(), o.quantMax(), "quant_max");
        try (NDManager m = manager.newSubManager()) {
            for (JsonElement b : c.getAsJsonArray("batches")) {
                o.observe(TestFixtures.tensor(m, b.getAsJsonObject()));
            }
        }
        assertArrayEquals(TestFixtures.floats(c.get("minVal")), o.minVal(), "min_val");
        assertArrayEquals(TestFixtures.floats(c.get("maxVal")), o.maxVal(), "max_val");
        QParams qp = o.calculateQParams();
        assertArrayEquals(TestFixtures.floats(c.get("scale")), qp.scale(), "scale (float32 bits)");
        assertArrayEquals(TestFixtures.ints(c.get("zeroPoint")), qp.zeroPoint(), "zero point");
        assertEquals(qp, o.calculateQParams(), "calculateQParams is pure");
    }

    @TestFactory
    Stream<DynamicTest> observersMatchTorch() {
        List<JsonObject> cases = TestFixtures.objects("quant/observers.json");
        assertTrue(cases.size() > 500);
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonObject c : cases) {
            tests.add(DynamicTest.dynamicTest(name(c), () -> check(c)));
        }
        return tests.stream();
    }
}
