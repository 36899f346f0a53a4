package labkit.weights;

import java.util.List;

/**
 * What mapping a state dict into a labkit model found: the keys loaded, the model's parameters the file lacks
 * (missing), the file's keys the model has no parameter for (unexpected), keys whose shapes or dtypes differ,
 * BatchNorm settings that differ from the weights' (eps, momentum) and the keys deliberately ignored
 * ({@code num_batches_tracked}). {@link #toString()} is the full key report.
 */
public record LoadReport(String source, List<String> loaded, List<String> missing, List<String> unexpected,
        List<String> wrongShape, List<String> wrongType, List<String> batchNorm, List<String> ignored) {

    private static final int SHOW = 40;

    public LoadReport {
        loaded = List.copyOf(loaded);
        missing = List.copyOf(missing);
        unexpected = List.copyOf(unexpected);
        wrongShape = List.copyOf(wrongShape);
        wrongType = List.copyOf(wrongType);
        batchNorm = List.copyOf(batchNorm);
        ignored = List.copyOf(ignored);
    }

    /** True when every parameter was set from a key of the right shape and nothing was left over. */
    public boolean ok() {
        return missing.isEmpty() && unexpected.isEmpty() && wrongShape.isEmpty() && wrongType.isEmpty()
                && batchNorm.isEmpty();
    }

    /** One line: "loaded 158 tensors from mobilenet_v2-b0353104.pth (52 num_batches_tracked ignored)". */
    public String summary() {
        return (ok() ? "loaded " + loaded.size() + " tensors" : "weights do NOT fit the model") + " from " + source
                + (ignored.isEmpty() ? "" : " (" + ignored.size() + " num_batches_tracked/ignored keys skipped)");
    }

    /** The summary and every problem, one key per line. */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder(summary());
        section(sb, "missing (the model has these parameters, the file does not)", missing);
        section(sb, "unexpected (in the file, no such parameter in the model)", unexpected);
        section(sb, "wrong shape (file vs model)", wrongShape);
        section(sb, "wrong dtype", wrongType);
        section(sb, "BatchNorm settings differ from the weights'", batchNorm);
        if (!missing.isEmpty() && !unexpected.isEmpty() && loaded.size() + wrongShape.size() < missing.size()) {
            sb.append("\nMost keys differ: is this the weights file for this model (and this model's variant)?");
        }
        return sb.toString();
    }

    private static void section(StringBuilder sb, String title, List<String> keys) {
        if (keys.isEmpty()) {
            return;
        }
        sb.append("\n").append(keys.size()).append(' ').append(title).append(':');
        keys.stream().limit(SHOW).forEach(k -> sb.append("\n  ").append(k));
        if (keys.size() > SHOW) {
            sb.append("\n  ... and ").append(keys.size() - SHOW).append(" more");
        }
    }
}
