package labkit.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import labkit.bench.Latency;
import labkit.compress.ChannelPruning;
import labkit.models.StudentNet;
import labkit.models.Task1Cnn;
import labkit.nn.BlockTree;
import tech.tablesaw.api.Table;

/**
 * Bench: inference latency of a network before and after structured channel pruning (BN-scale ranking, a really
 * smaller network), interleaved rounds, medians, speed-up as a ratio in one run. The networks' weights are random
 * (BatchNorm scales too), which does not change their speed.
 */
public final class PruneBench {
    private PruneBench() {}

    /** The unpruned network and its pruned copies, one per keep fraction, timed at {@code batch}×3×32×32. */
    public static Table run(String model, double[] keeps, int batch, int rounds, int reps) {
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = switch (model) {
                case "task1" -> Task1Cnn.create(10, 32, 32);
                case "student" -> new StudentNet(16, 1, 10);
                case "student-standard" -> StudentNet.standard(16, 1, 10);
                default -> throw new IllegalArgumentException("--model must be task1, student or student-standard, got "
                        + model);
            };
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 32, 32));
            Random r = new Random(0);
            for (Map.Entry<String, Parameter> e : BlockTree.parameters(net).entrySet()) {
                if (e.getKey().endsWith(".weight") && e.getValue().getArray().getShape().dimension() == 1) {
                    NDArray g = e.getValue().getArray();
                    float[] v = new float[(int) g.size()];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = (float) Math.abs(r.nextGaussian());
                    }
                    g.set(FloatBuffer.wrap(v));
                }
            }
            Map<String, Block> nets = new LinkedHashMap<>();
            nets.put(model + " unpruned", net);
            for (double k : keeps) {
                nets.put(model + " keep " + k, ChannelPruning.of(net).keep(k).prune(m));
            }
            return Latency.table(String.format("structured pruning latency, %s, batch %d, 32×32, median of %d"
                    + " interleaved rounds × %d", model, batch, rounds, reps), nets, new Shape(batch, 3, 32, 32), rounds,
                    reps);
        }
    }
}
