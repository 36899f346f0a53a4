package labkit.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import labkit.nn.Complexity;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Inference latency of networks measured the fair way on a shared machine: interleaved rounds (A, B, A, B, ...)
 * after a warm-up, medians, and each network's time as a ratio to the first one's. Times are wall-clock per forward
 * pass in inference mode (divided by the batch size for a per-image figure); every pass frees what it allocated.
 */
public final class Latency {
    private Latency() {}

    /** Median milliseconds per batch for each network, from {@code rounds} interleaved rounds of {@code reps} calls. */
    public static Map<String, Double> interleaved(Map<String, Block> nets, Shape input, int rounds, int reps) {
        if (rounds < 1 || reps < 1) {
            throw new IllegalArgumentException("rounds and reps must be >= 1, got " + rounds + ", " + reps);
        }
        Map<String, double[]> times = new LinkedHashMap<>();
        nets.keySet().forEach(k -> times.put(k, new double[rounds]));
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(0);
            NDArray x = m.randomNormal(input);
            ParameterStore ps = new ParameterStore(m, false);
            for (Block b : nets.values()) {
                time(b, ps, x, Math.max(2, reps / 2)); // warm-up
            }
            for (int r = 0; r < rounds; r++) {
                for (Map.Entry<String, Block> e : nets.entrySet()) {
                    times.get(e.getKey())[r] = time(e.getValue(), ps, x, reps);
                }
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        times.forEach((k, v) -> out.put(k, Quantiles.median(v)));
        return out;
    }

    /**
     * A table: network, parameters, MACs per image, median ms per batch, ms per image, and speed-up against the
     * first network (its time divided by each one's). Networks must be initialised.
     */
    public static Table table(String title, Map<String, Block> nets, Shape input, int rounds, int reps) {
        Map<String, Double> ms = interleaved(nets, input, rounds, reps);
        StringColumn name = StringColumn.create("network");
        LongColumn params = LongColumn.create("parameters");
        LongColumn macs = LongColumn.create("MACs");
        DoubleColumn batch = DoubleColumn.create("ms/batch");
        DoubleColumn image = DoubleColumn.create("ms/image");
        DoubleColumn speedup = DoubleColumn.create("speed-up");
        double first = ms.values().iterator().next();
        for (Map.Entry<String, Block> e : nets.entrySet()) {
            Complexity c = Complexity.of(e.getValue());
            double t = ms.get(e.getKey());
            name.append(e.getKey());
            params.append(c.parameters());
            macs.append(c.macs());
            batch.append(round(t, 3));
            image.append(round(t / input.get(0), 4));
            speedup.append(round(first / t, 2));
        }
        return Table.create(title, name, params, macs, batch, image, speedup);
    }

    /** Median milliseconds per image of one network at batch 1 ({@code reps} calls, after a warm-up). */
    public static double perImage(Block net, Shape oneImage, int reps) {
        return interleaved(Map.of("net", net), oneImage, 3, reps).get("net") / oneImage.get(0);
    }

    private static double round(double v, int digits) {
        double f = Math.pow(10, digits);
        return Math.round(v * f) / f;
    }

    /**
     * Milliseconds of each of {@code runs} batch forward passes (inference mode) of {@code model} on {@code input},
     * after {@code warmups} untimed ones. Each pass runs on a copy of the input in its own sub-manager, so every
     * intermediate of the pass is freed when it ends (the intermediates of an op land in its input's manager: with
     * the long-lived input a simulated-int8 network kept every pass's activations alive until the end).
     */
    public static double[] runs(Block model, NDArray input, int warmups, int runs) {
        if (warmups < 0 || runs < 1) {
            throw new IllegalArgumentException("warmups must be >= 0 and runs >= 1, got " + warmups + ", " + runs);
        }
        ParameterStore ps = new ParameterStore(input.getManager(), false);
        double[] ms = new double[runs];
        for (int i = -warmups; i < runs; i++) {
            double t = once(model, ps, input);
            if (i >= 0) {
                ms[i] = t;
            }
        }
        return ms;
    }

    private static double time(Block b, ParameterStore ps, NDArray x, int reps) {
        double total = 0;
        for (int i = 0; i < reps; i++) {
            total += once(b, ps, x);
        }
        return total / reps;
    }

    /** One timed forward pass on a copy of {@code x} held by a sub-manager that frees the whole pass. */
    private static double once(Block b, ParameterStore ps, NDArray x) {
        try (NDManager s = x.getManager().newSubManager()) {
            NDArray xi = x.duplicate();
            xi.attach(s);
            long t0 = System.nanoTime();
            NDArray y = b.forward(ps, new NDList(xi), false).head();
            y.toFloatArray(); // wait for the result
            return (System.nanoTime() - t0) / 1e6;
        }
    }

    /** The names of a table's networks (for tests and notebooks). */
    static List<String> names(Table t) {
        return t.stringColumn("network").asList();
    }
}
