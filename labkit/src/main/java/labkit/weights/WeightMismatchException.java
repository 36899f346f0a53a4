package labkit.weights;

/** Thrown by a strict {@link WeightMapper} when a state dict does not fit a model; carries the key report. */
public final class WeightMismatchException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    private final transient LoadReport report;

    WeightMismatchException(LoadReport report) {
        super(report.toString());
        this.report = report;
    }

    /** The missing, unexpected and wrongly shaped keys. */
    public LoadReport report() {
        return report;
    }
}
