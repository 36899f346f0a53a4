package labkit.train;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tech.tablesaw.plotly.components.Figure;
import org.junit.jupiter.api.Test;

class TrainingCurvesTest {

    private static History history(String name, double[] train, double[] val) {
        History h = History.empty(name, List.of(History.TRAIN_LOSS, History.VAL_LOSS, "train_ssim"));
        for (int e = 0; e < train.length; e++) {
            h.append(e + 1, Map.of(History.TRAIN_LOSS, train[e], History.VAL_LOSS, val[e], "train_ssim", 0.1 * e));
        }
        return h;
    }

    private static String js(Figure f) {
        return f.asJavascript("fig");
    }

    @Test
    void aLossThatSpansDecadesIsDrawnOnALogAxis() {
        // the depth project's curves: training loss ~0.01 while one run's validation loss spikes to ~100
        Map<String, History> runs = new LinkedHashMap<>();
        runs.put("lr 3e-04", history("a", new double[] {0.5, 0.05, 0.02}, new double[] {0.09, 106.0, 0.013}));
        runs.put("lr 1e-03", history("b", new double[] {0.3, 0.02, 0.009}, new double[] {0.02, 0.1, 0.007}));
        Figure loss = TrainingCurves.compare(runs).chart("loss");
        assertTrue(js(loss).contains("type: 'log'"), js(loss));
        assertTrue(js(loss).contains("loss — lr 3e-04 vs lr 1e-03'"), js(loss));
        assertTrue(js(loss).contains("loss (log scale)"), js(loss));
        assertEquals(4, loss.getTraces().length, "train and validation of both runs");
        // forced linear
        assertFalse(js(TrainingCurves.compare(runs).chart("loss", false)).contains("type: 'log'"));
    }

    @Test
    void narrowOrNonPositiveRangesStayLinear() {
        History narrow = history("n", new double[] {0.5, 0.2, 0.1}, new double[] {0.6, 0.3, 0.2});
        assertFalse(js(TrainingCurves.of(narrow).chart("loss")).contains("type: 'log'"));
        // SSIM starts at 0 (and can be negative): no log axis however wide the span
        assertFalse(js(TrainingCurves.of(narrow).chart("ssim")).contains("type: 'log'"));
        assertTrue(js(TrainingCurves.of(narrow).chart("ssim", true)).contains("type: 'log'"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TrainingCurves.of(narrow).chart("accuracy"));
        assertTrue(e.getMessage().contains("loss") && e.getMessage().contains("ssim"), e.getMessage());
    }
}
