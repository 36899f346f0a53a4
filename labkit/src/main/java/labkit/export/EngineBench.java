package labkit.export;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import labkit.bench.Quantiles;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * An interleaved latency table for inference engines: every round runs each variant (engine × model form ×
 * threads) {@code reps} times in turn, so load from other processes falls on all variants alike; after warm-up,
 * it reports per variant the median, the 10th/90th percentiles of single calls and their spread (p90 − p10), the
 * speed-up over the first variant, the file size, each variant's quality metrics (accuracy, SSIM — computed by the
 * caller on the very model the variant runs) and a note. Variants are plain closures; {@code before} runs ahead of each variant's turn (e.g. to set DJL's
 * thread count).
 *
 * <pre>{@code
 * Table t = EngineBench.builder().rounds(15).reps(10)
 *         .add("ORT fp32", 1, () -> ort.runDiscard(input))
 *         .add("ORT int8", 1, () -> int8.runDiscard(input))
 *         .run("MobileNetV2, batch 1, 224²");
 * }</pre>
 */
public final class EngineBench {
    /**
     * One variant: a name, its thread count, what to do before its turn, the call to time and extra columns; {@code
     * quality} holds metric → value (top-1 accuracy, SSIM, …) of the model this variant runs, or is empty.
     */
    public record Variant(String name, int threads, Runnable before, Runnable call, double fileMb, String note,
            Map<String, Double> quality) {
        public Variant {
            quality = quality == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(quality));
        }

        /** A variant without quality values. */
        public Variant(String name, int threads, Runnable before, Runnable call, double fileMb, String note) {
            this(name, threads, before, call, fileMb, note, Map.of());
        }
    }

    private final List<Variant> variants;
    private final int warmup;
    private final int rounds;
    private final int reps;
    private final List<String> qualityColumns;

    private EngineBench(Builder b) {
        this.qualityColumns = List.copyOf(b.qualityColumns);
        this.variants = List.copyOf(b.variants);
        this.warmup = b.warmup;
        this.rounds = b.rounds;
        this.reps = b.reps;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Runs the interleaved measurement; the table's name is {@code title} plus the protocol. */
    public Table run(String title) {
        if (variants.isEmpty()) {
            throw new IllegalStateException("EngineBench: add at least one variant");
        }
        int n = variants.size();
        double[][] t = new double[n][rounds * reps];
        for (int v = 0; v < n; v++) {
            Variant x = variants.get(v);
            x.before().run();
            for (int i = 0; i < warmup; i++) {
                x.call().run();
            }
        }
        for (int r = 0; r < rounds; r++) {
            for (int v = 0; v < n; v++) {
                Variant x = variants.get(v);
                x.before().run();
                for (int k = 0; k < reps; k++) {
                    long t0 = System.nanoTime();
                    x.call().run();
                    t[v][r * reps + k] = (System.nanoTime() - t0) / 1e6;
                }
            }
        }
        StringColumn name = StringColumn.create("variant");
        IntColumn threads = IntColumn.create("threads");
        DoubleColumn median = DoubleColumn.create("median ms");
        DoubleColumn p10 = DoubleColumn.create("p10 ms");
        DoubleColumn p90 = DoubleColumn.create("p90 ms");
        DoubleColumn spread = DoubleColumn.create("spread ms");
        DoubleColumn speedup = DoubleColumn.create("speed-up");
        DoubleColumn size = DoubleColumn.create("file MB");
        StringColumn note = StringColumn.create("output check");
        double base = Double.NaN;
        for (int v = 0; v < n; v++) {
            double[] s = Quantiles.sorted(t[v]);
            double m = Quantiles.median(s);
            if (v == 0) {
                base = m;
            }
            Variant x = variants.get(v);
            name.append(x.name());
            threads.append(x.threads());
            median.append(round(m));
            p10.append(round(Quantiles.quantile(s, 0.1)));
            p90.append(round(Quantiles.quantile(s, 0.9)));
            spread.append(round(Quantiles.quantile(s, 0.9) - Quantiles.quantile(s, 0.1)));
            speedup.append(Math.round(base / m * 100) / 100.0);
            size.append(Double.isNaN(x.fileMb()) ? Double.NaN : Math.round(x.fileMb() * 100) / 100.0);
            note.append(x.note() == null ? "" : x.note());
        }
        Table table = Table.create(title + " — " + rounds + " interleaved rounds × " + reps + " calls after " + warmup
                + " warm-up calls", name, threads, median, p10, p90, spread, speedup, size);
        addQuality(table);
        return table.addColumns(note);
    }

    /**
     * One column per quality metric (declared ones first, then any a variant brings): numbers where a variant has
     * the value; a metric no variant has (e.g. untrained weights) becomes a text column of "n/a".
     */
    private void addQuality(Table table) {
        Set<String> names = new LinkedHashSet<>(qualityColumns);
        variants.forEach(v -> names.addAll(v.quality().keySet()));
        for (String metric : names) {
            if (variants.stream().noneMatch(v -> v.quality().containsKey(metric))) {
                StringColumn na = StringColumn.create(metric);
                variants.forEach(v -> na.append("n/a"));
                table.addColumns(na);
                continue;
            }
            DoubleColumn c = DoubleColumn.create(metric);
            for (Variant v : variants) {
                Double q = v.quality().get(metric);
                if (q == null) {
                    c.appendMissing();
                } else {
                    c.append(Math.round(q * 1e4) / 1e4);
                }
            }
            table.addColumns(c);
        }
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** Builder: warm-up calls per variant (default 10), rounds (15), calls per round (10), variants. */
    public static final class Builder {
        private final List<Variant> variants = new ArrayList<>();
        private int warmup = 10;
        private int rounds = 15;
        private int reps = 10;
        private final List<String> qualityColumns = new ArrayList<>();

        public Builder warmup(int n) { this.warmup = check(n, 0, "warmup"); return this; }
        public Builder rounds(int n) { this.rounds = check(n, 1, "rounds"); return this; }
        public Builder reps(int n) { this.reps = check(n, 1, "reps"); return this; }

        private static int check(int n, int min, String what) {
            if (n < min) {
                throw new IllegalArgumentException(what + " must be >= " + min + ", got " + n);
            }
            return n;
        }

        /** Declares quality columns (e.g. "top-1", "SSIM"): shown as "n/a" when no variant has values for them. */
        public Builder qualityColumns(String... names) {
            qualityColumns.addAll(List.of(names));
            return this;
        }

        /** Adds a variant timed by {@code call}. */
        public Builder add(String name, int threads, Runnable call) {
            return add(new Variant(name, threads, () -> { }, call, Double.NaN, ""));
        }

        /** Adds a fully described variant. */
        public Builder add(Variant v) {
            variants.add(v);
            return this;
        }

        public EngineBench build() {
            return new EngineBench(this);
        }

        /** Builds and runs. */
        public Table run(String title) {
            return build().run(title);
        }
    }
}
