package labkit.train;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.components.Line;
import tech.tablesaw.plotly.traces.ScatterTrace;
import tech.tablesaw.plotly.traces.Trace;

/**
 * Training curves as Tablesaw/Plotly figures: one chart per quantity (loss, accuracy, ...), epochs on x, a
 * solid line for training and a dashed one for validation, one colour per run. Several runs on one chart make
 * comparisons (augmentation vs none) easy to read. Show them with {@code labkit.plot.Show.show(figure)}.
 */
public final class TrainingCurves {
    private static final String[] COLORS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b"};

    private final Map<String, History> runs;

    private TrainingCurves(Map<String, History> runs) {
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("no histories to plot");
        }
        this.runs = runs;
    }

    /** Curves of one run. */
    public static TrainingCurves of(History history) {
        Map<String, History> m = new LinkedHashMap<>();
        m.put(history.name(), history);
        return new TrainingCurves(m);
    }

    /** Curves of several runs, labelled by the map keys (in map order). */
    public static TrainingCurves compare(Map<String, History> runs) {
        return new TrainingCurves(new LinkedHashMap<>(runs));
    }

    /** The quantities recorded (e.g. "loss", "accuracy"): column names with the train_/val_ prefix removed. */
    public List<String> quantities() {
        List<String> out = new ArrayList<>();
        for (History h : runs.values()) {
            for (String c : h.columns()) {
                String q = c.startsWith("train_") ? c.substring(6) : c.startsWith("val_") ? c.substring(4) : null;
                if (q != null && !out.contains(q)) {
                    out.add(q);
                }
            }
        }
        return out;
    }

    /** The loss chart. */
    public Figure loss() {
        return chart("loss");
    }

    /** One chart per quantity, loss first. */
    public List<Figure> all() {
        List<Figure> out = new ArrayList<>();
        for (String q : quantities()) {
            out.add(chart(q));
        }
        return out;
    }

    /** The chart of {@code quantity} ("loss", "accuracy", ...): train solid, validation dashed. */
    public Figure chart(String quantity) {
        List<Trace> traces = new ArrayList<>();
        int run = 0;
        for (Map.Entry<String, History> e : runs.entrySet()) {
            String color = COLORS[run++ % COLORS.length];
            History h = e.getValue();
            double[] epochs = h.table().intColumn(History.EPOCH).asDoubleArray();
            for (String split : List.of("train", "val")) {
                String col = split + "_" + quantity;
                if (!h.table().columnNames().contains(col)) {
                    continue;
                }
                DoubleColumn y = h.column(col);
                String label = (runs.size() > 1 ? e.getKey() + " " : "") + (split.equals("val") ? "validation" : "train");
                traces.add(ScatterTrace.builder(epochs, y.asDoubleArray())
                        .mode(ScatterTrace.Mode.LINE_AND_MARKERS)
                        .name(label)
                        .line(Line.builder().color(color).dash(split.equals("val") ? Line.Dash.DASH : Line.Dash.SOLID).build())
                        .build());
            }
        }
        if (traces.isEmpty()) {
            throw new IllegalArgumentException("no train_/val_ columns for '" + quantity + "'; quantities: " + quantities());
        }
        Layout layout = Layout.builder()
                .title(quantity + (runs.size() > 1 ? " — " + String.join(" vs ", runs.keySet()) : ""))
                .xAxis(Axis.builder().title("epoch").build())
                .yAxis(Axis.builder().title(quantity).build())
                .width(640).height(400)
                .build();
        return new Figure(layout, traces.toArray(new Trace[0]));
    }
}
