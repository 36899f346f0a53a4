package labkit.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.LinkedHashMap;
import java.util.Map;
import labkit.Labkit;
import labkit.bench.Latency;
import labkit.nn.CollapsibleLinearBlock;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Bench: inference time of SESR's collapsible linear block in training form (k×k conv to E, 1×1 back) vs its
 * collapsed single k×k conv, interleaved rounds, medians ({@link Latency#interleaved}). Run: {@code java -cp labkit-all.jar
 * labkit.cli.SesrCollapseBench [rounds]}.
 */
public final class SesrCollapseBench {
    private SesrCollapseBench() {}

    /** Times both forms on a 1×16×H×W input ({@code rounds} interleaved rounds of {@code reps} calls each). */
    public static Table run(int size, int expanded, int rounds, int reps) {
        try (NDManager m = NDManager.newBaseManager()) {
            CollapsibleLinearBlock b = new CollapsibleLinearBlock(16, 16, 3, expanded, true);
            Shape in = new Shape(1, 16, size, size);
            b.initialize(m, DataType.FLOAT32, in);
            Block c = b.collapse(m);
            NDArray x = m.randomNormal(in);
            ParameterStore ps = new ParameterStore(m, false);
            float diff;
            try (NDManager s = m.newSubManager()) {
                x.attach(s);
                diff = b.forward(ps, new NDList(x), false).head().sub(c.forward(ps, new NDList(x), false).head())
                        .abs().max().getFloat();
                x.attach(m);
            }
            Map<String, Block> forms = new LinkedHashMap<>();
            forms.put("expanded", b);
            forms.put("collapsed", c);
            Map<String, Double> ms = Latency.interleaved(forms, in, rounds, reps);
            double me = ms.get("expanded");
            double mc = ms.get("collapsed");
            return Table.create("SESR linear block " + size + "×" + size + ", 16→" + expanded + "→16, 3×3 (max |diff| "
                    + diff + ")",
                    StringColumn.create("form", "expanded (3×3→E, 1×1)", "collapsed (one 3×3)"),
                    DoubleColumn.create("median ms", me, mc),
                    DoubleColumn.create("speed-up", 1.0, me / mc));
        }
    }

    public static void main(String[] args) {
        System.out.println(Labkit.init());
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        System.out.println(run(64, 256, rounds, 20).print());
        System.out.println(run(128, 256, rounds, 10).print());
    }
}
