package labkit.tasks;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/** The facade's text and chart come from the table's numbers (the run itself is exercised by the notebook). */
class DeploymentTest {

    static Table table(double djl, double ort, double pc, double pt) {
        return Table.create("mobilenet_v2, batch 1",
                StringColumn.create("variant", List.of("DJL eager fp32", "ORT fp32", "ORT int8 per-channel",
                        "ORT int8 per-tensor")),
                IntColumn.create("threads", new int[] {1, 1, 1, 1}),
                DoubleColumn.create("median ms", new double[] {djl, ort, pc, pt}),
                DoubleColumn.create("file MB", new double[] {Double.NaN, 8.0, 2.0, 2.1}),
                DoubleColumn.create("top-1", new double[] {0.9, 0.9, 0.88, 0.85}));
    }

    @Test
    void analysisStatesRatiosComputedFromTheTable() {
        String a = Deployment.analysis(table(20, 8, 4, 5));
        assertTrue(a.contains("4.00 ms against 8.00 ms in fp32: 2.00× faster"), a);
        assertTrue(a.contains("DJL eager fp32 takes 20.00 ms and ONNX Runtime fp32 8.00 ms (2.50× faster)"), a);
        assertTrue(a.contains("(4.0× smaller)"), a);
        assertTrue(a.contains("top-1: 0.9000 in fp32, 0.8800 per-channel int8 (-0.0200)"), a);
        assertTrue(a.contains("VNNI"), a);
        String slower = Deployment.analysis(table(20, 8, 10, 5));
        assertTrue(slower.contains("1.25× slower"), slower);
        assertTrue(slower.contains("Per-tensor weights take 5.00 ms, 2.00× faster than per-channel"), slower);
        assertTrue(a.contains("Per-tensor weights take 5.00 ms, 1.25× slower than per-channel"), a);
    }

    @Test
    void hardwareNamesTheInt8InstructionSets() {
        String h = Deployment.hardware();
        assertTrue(h.matches(".*AVX2 (yes|no|unknown), AVX-512 VNNI (yes|no|unknown), AVX-VNNI (yes|no|unknown)"), h);
    }

    @Test
    void chartHasOneBarPerRow() {
        var f = Deployment.latencyChart(table(20, 8, 4, 5));
        assertTrue(f.asJavascript("x").contains("ORT int8 per-tensor · 1 thr"));
    }
}
