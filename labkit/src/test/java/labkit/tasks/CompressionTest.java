package labkit.tasks;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.Table;

class CompressionTest {
    @Test
    void architectureTableShowsTheSeparableStudentFarSmaller() {
        Table t = Compression.architectures(16, 11, 1.0, 0.5);
        assertEquals(5, t.rowCount());
        assertEquals(256779L, t.longColumn("parameters").get(0)); // the homework's StudentNet(16, 1), 11 classes
        assertTrue(t.doubleColumn("parameters vs standard").get(0) < 0.15, t.print());
        assertTrue(t.longColumn("parameters").get(2) < t.longColumn("parameters").get(0));
    }

    @Test
    void findingsCompareEachMethodWithTheBaseline() {
        List<Compression.Row> rows = List.of(
                new Compression.Row("base", 0.9, 1000, 1000, 5000, 40, 36, 2.0, 1.0),
                new Compression.Row("pruned", 0.85, 1000, 200, 5000, 40, 9, 1.0, 0.5));
        List<String> f = Compression.findings(rows);
        assertEquals(1, f.size());
        assertTrue(f.get(0).contains("-0.050") && f.get(0).contains("5.0× fewer") && f.get(0).contains("4.0× smaller")
                && f.get(0).contains("0.50× the baseline"),
                f.get(0));
        assertThrows(IllegalArgumentException.class, () -> Compression.findings(List.of()));
    }
}
