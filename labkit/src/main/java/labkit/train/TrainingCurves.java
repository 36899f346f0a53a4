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

    /** Ratio of the largest to the smallest value above which {@link #chart(String)} draws a logarithmic y axis. */
    public static final double LOG_SPAN = 100;

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

    /**
     * The chart of {@code quantity} ("loss", "accuracy", ...): train solid, validation dashed. The y axis is
     * logarithmic when the values are all positive and span more than {@link #LOG_SPAN} (a loss that falls from 0.5
     * to 0.005, or a validation loss that spikes to 100 while the rest sits near 0.01, is unreadable on a linear
     * axis); the axis title then says "log scale".
     */
    public Figure chart(String quantity) {
        return chart(quantity, null);
    }

    /** As {@link #chart(String)}, with the y axis logarithmic ({@code true}) or linear ({@code false}). */
    public Figure chart(String quantity, boolean logY) {
        return chart(quantity, Boolean.valueOf(logY));
    }

    private Figure chart(String quantity, Boolean logY) {
        List<Trace> traces = new ArrayList<>();
        double min = Double.POSITIVE_INFINITY, max = Double.NEGATIVE_INFINITY;
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
                for (double v : y.asDoubleArray()) {
                    if (Double.isFinite(v)) {
                        min = Math.min(min, v);
                        max = Math.max(max, v);
                    }
                }
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
        boolean log = logY != null ? logY : min > 0 && max / min > LOG_SPAN;
        Layout layout = Layout.builder()
                .title(quantity + (runs.size() > 1 ? " — " + String.join(" vs ", runs.keySet()) : ""))
                .xAxis(Axis.builder().title("epoch").build())
                .yAxis(Axis.builder().title(quantity + (log ? " (log scale)" : ""))
                        .type(log ? Axis.Type.LOG : Axis.Type.LINEAR).build())
                .width(640).height(400)
                .build();
        return new Figure(layout, traces.toArray(new Trace[0]));
    }
}
