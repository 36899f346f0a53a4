package labkit.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.io.csv.CsvReadOptions;
import tech.tablesaw.plotly.components.Figure;

/**
 * What happened in each epoch of a training run, as a Tablesaw {@link Table} with one row per epoch: {@code epoch}
 * (1-based), {@code train_loss}, {@code train_<metric>}, {@code val_loss}, {@code val_<metric>}, {@code lr} and
 * {@code seconds}. Saved as CSV next to the checkpoints, so a resumed run continues the same history.
 */
public final class History {
    /** Column names that every history has. */
    public static final String EPOCH = "epoch", TRAIN_LOSS = "train_loss", VAL_LOSS = "val_loss", LR = "lr",
            SECONDS = "seconds";

    private final String name;
    private final Table table;

    private History(String name, Table table) {
        this.name = name;
        this.table = table;
    }

    /** An empty history whose rows will have {@code epoch} followed by {@code columns} (all numbers). */
    public static History empty(String name, List<String> columns) {
        Table t = Table.create(name, IntColumn.create(EPOCH));
        for (String c : columns) {
            t.addColumns(DoubleColumn.create(c));
        }
        return new History(name, t);
    }

    /** Reads a history written by {@link #saveCsv}, with an error naming the file when it cannot. */
    public static History readCsv(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("history file not found: " + file.toAbsolutePath());
        }
        try {
            List<String> header = List.of(Files.readAllLines(file).get(0).split(","));
            if (header.isEmpty() || !header.get(0).equals(EPOCH)) {
                throw new IllegalArgumentException("not a labkit history CSV (first column must be 'epoch'): " + file);
            }
            ColumnType[] types = new ColumnType[header.size()];
            types[0] = ColumnType.INTEGER;
            for (int i = 1; i < types.length; i++) {
                types[i] = ColumnType.DOUBLE;
            }
            Table t = Table.read().usingOptions(CsvReadOptions.builder(file.toFile()).columnTypes(types)
                    .tableName(baseName(file)));
            return new History(t.name(), t);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read history " + file, e);
        }
    }

    private static String baseName(Path file) {
        String n = file.getFileName().toString();
        return n.endsWith(".csv") ? n.substring(0, n.length() - 4) : n;
    }

    /** Appends one epoch; {@code values} must give every column except {@code epoch} (NaN allowed). */
    public History append(int epoch, Map<String, Double> values) {
        for (String c : columns()) {
            if (!values.containsKey(c)) {
                throw new IllegalArgumentException("history row for epoch " + epoch + " misses column '" + c + "'");
            }
        }
        table.intColumn(EPOCH).append(epoch);
        for (String c : columns()) {
            Double v = values.get(c);
            table.doubleColumn(c).append(v == null ? Double.NaN : v);
        }
        return this;
    }

    /** The run's name (the table name). */
    public String name() {
        return name;
    }

    /** The table itself (live; copy it before changing it). */
    public Table table() {
        return table;
    }

    /** Column names after {@code epoch}. */
    public List<String> columns() {
        List<String> out = new ArrayList<>(table.columnNames());
        out.remove(EPOCH);
        return out;
    }

    /** Number of epochs recorded. */
    public int size() {
        return table.rowCount();
    }

    /** The value of {@code column} in the last epoch (NaN when empty). */
    public double last(String column) {
        return size() == 0 ? Double.NaN : column(column).get(size() - 1);
    }

    /** One column as a Tablesaw column (errors list the available columns). */
    public DoubleColumn column(String column) {
        if (!table.columnNames().contains(column) || column.equals(EPOCH)) {
            throw new IllegalArgumentException("history has no column '" + column + "'; columns: " + columns());
        }
        return table.doubleColumn(column);
    }

    /** The 1-based epoch with the lowest ({@code minimize}) or highest value of {@code column}, if any. */
    public OptionalInt bestEpoch(String column, boolean minimize) {
        DoubleColumn c = column(column);
        int best = -1;
        for (int i = 0; i < c.size(); i++) {
            double v = c.get(i);
            if (Double.isNaN(v)) {
                continue;
            }
            if (best < 0 || (minimize ? v < c.get(best) : v > c.get(best))) {
                best = i;
            }
        }
        return best < 0 ? OptionalInt.empty() : OptionalInt.of(table.intColumn(EPOCH).get(best));
    }

    /** A copy holding only the first {@code epochs} rows. */
    public History head(int epochs) {
        return new History(name, table.first(epochs));
    }

    /**
     * Writes the history as CSV (creating parent folders) and returns the file. The CSV goes to a temporary file
     * that is synced and renamed, so a failed write (a full disk) leaves the previous file as it was; the error
     * names the file and, for a full disk, the fix.
     */
    public Path saveCsv(Path file) {
        try {
            AtomicFile.write(file, out -> {
                java.io.Writer w = new java.io.OutputStreamWriter(out, java.nio.charset.StandardCharsets.UTF_8);
                try {
                    table.write().csv(w);
                } catch (RuntimeException e) {
                    // Tablesaw's CSV writer wraps I/O errors ("Error flushing output"): report the I/O error
                    for (Throwable t = e; t != null; t = t.getCause()) {
                        if (t instanceof IOException io) {
                            throw io;
                        }
                    }
                    throw e;
                }
                w.flush();
            });
            return file;
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Loss curves (train and validation) over epochs. */
    public Figure plotLoss() {
        return TrainingCurves.of(this).loss();
    }

    /** All curves: loss and every metric, each on its own chart. */
    public List<Figure> plot() {
        return TrainingCurves.of(this).all();
    }

    @Override
    public String toString() {
        return table.printAll();
    }
}
