package labkit.plot;

import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.components.Axis;
import tech.tablesaw.plotly.components.Figure;
import tech.tablesaw.plotly.components.Layout;
import tech.tablesaw.plotly.components.Margin;
import tech.tablesaw.plotly.traces.BarTrace;
import tech.tablesaw.plotly.traces.ScatterTrace;
import tech.tablesaw.plotly.traces.Trace;

/**
 * Compact Plotly figures built from Tablesaw columns, sized for a notebook cell: bar charts and line charts with
 * several series (training curves). Show them with {@link Show#show(Figure)}.
 */
public final class Charts {
    /** Default figure size in pixels. */
    public static final int WIDTH = 720;
    public static final int HEIGHT = 380;

    private Charts() {}

    /** A layout with a title, axis titles and notebook-sized margins. */
    public static Layout layout(String title, String xTitle, String yTitle) {
        return Layout.builder(title)
                .width(WIDTH).height(HEIGHT)
                .margin(Margin.builder().top(50).bottom(60).left(70).right(20).build())
                .xAxis(Axis.builder().title(xTitle).build())
                .yAxis(Axis.builder().title(yTitle).build())
                .build();
    }

    /** One bar per row: {@code category} on x, {@code value} on y. */
    public static Figure bar(String title, Table table, String category, String value) {
        require(table, category);
        require(table, value);
        BarTrace trace = BarTrace.builder(table.categoricalColumn(category), table.numberColumn(value)).build();
        return new Figure(layout(title, category, value), trace);
    }

    /** One line per column in {@code ys} against {@code x}, named by the column (e.g. train and validation loss). */
    public static Figure lines(String title, Table table, String x, String... ys) {
        require(table, x);
        if (ys.length == 0) {
            throw new IllegalArgumentException("lines: name at least one y column of " + table.columnNames());
        }
        Trace[] traces = new Trace[ys.length];
        for (int i = 0; i < ys.length; i++) {
            require(table, ys[i]);
            NumericColumn<?> y = table.numberColumn(ys[i]);
            traces[i] = ScatterTrace.builder(table.column(x), y).mode(ScatterTrace.Mode.LINE_AND_MARKERS)
                    .name(ys[i]).showLegend(true).build();
        }
        String yTitle = ys.length == 1 ? ys[0] : "";
        return new Figure(layout(title, x, yTitle), traces);
    }

    private static void require(Table table, String column) {
        if (!table.containsColumn(column)) {
            throw new IllegalArgumentException("table '" + table.name() + "' has no column '" + column
                    + "'; columns: " + table.columnNames());
        }
    }
}
