package labkit.weights;

/** One of a classifier's top-k answers: class index, its name and the softmax probability. */
public record Prediction(int index, String label, float probability) {
    @Override
    public String toString() {
        return String.format("%s (%d) %.1f%%", label, index, 100 * probability);
    }
}
