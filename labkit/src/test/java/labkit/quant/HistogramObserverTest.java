package labkit.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/** HistogramObserver on several distributions and batch sequences against PyTorch 1.13. */
class HistogramObserverTest {
    static NDManager manager;

    @BeforeAll
    static void start() {
        manager = NDManager.newBaseManager();
    }

    @AfterAll
    static void stop() {
        manager.close();
    }

    @TestFactory
    Stream<DynamicTest> histogramMatchesTorch() {
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonObject c : TestFixtures.objects("quant/histogram.json")) {
            tests.add(DynamicTest.dynamicTest(ObserverFixtureTest.name(c), () -> {
                HistogramObserver o = (HistogramObserver) ObserverFixtureTest.build(c);
                try (NDManager m = manager.newSubManager()) {
                    for (JsonElement b : c.getAsJsonArray("batches")) {
                        o.observe(TestFixtures.tensor(m, b.getAsJsonObject()));
                    }
                }
                assertArrayEquals(TestFixtures.floats(c.get("minVal")), o.minVal(), "min_val");
                assertArrayEquals(TestFixtures.floats(c.get("maxVal")), o.maxVal(), "max_val");
                assertArrayEquals(TestFixtures.floats(c.get("histogram")), o.histogram(), 1e-4f, "histogram");
                float[] range = o.nonLinearParamSearch();
                assertEquals(c.get("searchMin").getAsFloat(), range[0], "search min");
                assertEquals(c.get("searchMax").getAsFloat(), range[1], "search max");
                QParams qp = o.calculateQParams();
                assertArrayEquals(TestFixtures.floats(c.get("scale")), qp.scale(), "scale");
                assertArrayEquals(TestFixtures.ints(c.get("zeroPoint")), qp.zeroPoint(), "zero point");
            }));
        }
        return tests.stream();
    }

    @Test
    void refusesPerChannelAndUnobserved() {
        assertThrows(IllegalArgumentException.class,
                () -> HistogramObserver.builder().qscheme(QScheme.PER_CHANNEL_AFFINE).build());
        assertThrows(IllegalStateException.class, () -> HistogramObserver.builder().build().calculateQParams());
    }
}
