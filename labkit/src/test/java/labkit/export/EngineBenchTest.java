package labkit.export;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

/** The bench's protocol (not its timings): warm-up, then rounds that interleave the variants; one row each. */
class EngineBenchTest {

    @Test
    void interleavesVariantsRoundByRoundAndReportsOneRowEach() {
        List<String> calls = new ArrayList<>();
        Table t = EngineBench.builder().warmup(1).rounds(2).reps(2)
                .add(new EngineBench.Variant("a", 1, () -> calls.add("before a"), () -> calls.add("a"), 1.5, "ref"))
                .add("b", 2, () -> calls.add("b"))
                .run("toy");
        assertEquals(List.of("before a", "a", "b", // warm-up
                "before a", "a", "a", "b", "b", // round 1
                "before a", "a", "a", "b", "b"), calls); // round 2
        assertEquals(2, t.rowCount());
        assertEquals(List.of("a", "b"), t.stringColumn("variant").asList());
        assertEquals(1.0, t.doubleColumn("speed-up").get(0));
        assertEquals(1.5, t.doubleColumn("file MB").get(0));
        assertTrue(t.name().startsWith("toy — 2 interleaved rounds × 2 calls"), t.name());
        for (int i = 0; i < 2; i++) {
            assertTrue(t.doubleColumn("p10 ms").get(i) <= t.doubleColumn("median ms").get(i));
            assertTrue(t.doubleColumn("median ms").get(i) <= t.doubleColumn("p90 ms").get(i));
        }
    }

    @Test
    void qualityColumnsHoldEachVariantsValuesOrNaWhenNoneHasThem() {
        Table t = EngineBench.builder().warmup(0).rounds(1).reps(1).qualityColumns("top-1", "SSIM")
                .add(new EngineBench.Variant("fp32", 1, () -> { }, () -> { }, 2.0, "", java.util.Map.of("top-1", 0.91)))
                .add(new EngineBench.Variant("int8", 1, () -> { }, () -> { }, 0.5, "", java.util.Map.of()))
                .run("q");
        assertEquals(0.91, t.doubleColumn("top-1").get(0));
        assertTrue(t.doubleColumn("top-1").isMissing(1));
        assertEquals(List.of("n/a", "n/a"), t.stringColumn("SSIM").asList());
        assertTrue(t.doubleColumn("spread ms").get(0) >= 0);
        assertEquals("output check", t.column(t.columnCount() - 1).name());
    }
}
