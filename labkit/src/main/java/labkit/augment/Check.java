package labkit.augment;

/** Argument checks shared by the transforms, with messages that name the argument and the fix. */
final class Check {
    private Check() {}

    static double probability(double p) {
        if (!(p >= 0 && p <= 1)) {
            throw new IllegalArgumentException("p must be a probability in [0, 1] (0 never applies the transform, "
                    + "1 always does), got " + p);
        }
        return p;
    }

    static <T> T notNull(T value, String name) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }
}
