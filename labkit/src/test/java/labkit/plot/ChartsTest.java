package labkit.plot;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Figure;

class ChartsTest {
    private final Table history = Table.create("history", IntColumn.create("epoch", 1, 2, 3),
            DoubleColumn.create("train_loss", 2.0, 1.0, 0.5), DoubleColumn.create("val_loss", 2.1, 1.3, 0.9));

    @Test
    void linesHaveOneTracePerSeriesWithItsName() {
        Figure f = Charts.lines("loss", history, "epoch", "train_loss", "val_loss");
        assertEquals(2, f.getTraces().length);
        String js = f.asJavascript("d");
        assertTrue(js.contains("train_loss") && js.contains("val_loss"), js);
        assertTrue(js.contains("0.5") && js.contains("0.9"), js);
    }

    @Test
    void barAndErrorsNameTheColumn() {
        Table t = Table.create("p", StringColumn.create("class", "a", "b"), DoubleColumn.create("p", 0.25, 0.75));
        assertEquals(1, Charts.bar("probabilities", t, "class", "p").getTraces().length);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Charts.lines("x", history, "epoch", "accuracy"));
        assertTrue(e.getMessage().contains("accuracy") && e.getMessage().contains("train_loss"), e.getMessage());
    }
}
