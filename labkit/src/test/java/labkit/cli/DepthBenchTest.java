package labkit.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import labkit.Labkit;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

class DepthBenchTest {

    @Test
    void aTinyBenchReportsThroughputLatencyMemoryAndTheAllocator() {
        Labkit.init();
        Table t = DepthBench.measure(2, 1, 2, 64);
        assertEquals(8, t.rowCount(), t.print());
        assertEquals("3,757,528", t.stringColumn("value").get(3), "DepthNet's parameter count");
        assertTrue(t.stringColumn("quantity").get(2).startsWith("allocator"), t.print());
        Matcher train = Pattern.compile("^(\\d+\\.\\d) \\(median step (\\d+) ms of 1\\)$")
                .matcher(t.stringColumn("value").get(4));
        assertTrue(train.matches(), t.stringColumn("value").get(4));
        // images/s and the median step agree: batch 2 / step time
        double perSecond = Double.parseDouble(train.group(1));
        assertEquals(2 / (Double.parseDouble(train.group(2)) / 1e3), perSecond, 0.05 * perSecond + 0.1);
        assertTrue(t.stringColumn("quantity").get(6).contains("64²: latency ms (median of 2)"), t.print());
        assertTrue(t.stringColumn("value").get(6).matches("^\\d+\\.\\d \\(min \\d+\\.\\d, max \\d+\\.\\d\\)$"),
                t.stringColumn("value").get(6));
        assertTrue(t.stringColumn("value").get(7).matches("^peak \\d+ MiB, now \\d+ MiB$"),
                t.stringColumn("value").get(7));
    }

    @Test
    void theAllocatorRowNamesTheMallocSettingsThatChangeTheNumbers() {
        assertEquals("LD_PRELOAD=/usr/lib/libjemalloc.so.2 MALLOC_ARENA_MAX=2", DepthBench.allocator(
                Map.of("MALLOC_ARENA_MAX", "2", "HOME", "/root", "LD_PRELOAD", "/usr/lib/libjemalloc.so.2")));
        assertTrue(DepthBench.allocator(Map.of("HOME", "/root")).startsWith("glibc defaults"));
    }
}
