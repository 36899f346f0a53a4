package labkit.grade;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Objects;

/**
 * Checks for the test cells of graded notebooks. Each check returns quietly when it holds and throws a
 * {@link Failure} with a readable message when it does not; the grader scores a test cell from whether it
 * ended in an error, so these checks (not Java's {@code assert}, which is off without {@code -ea}) decide.
 *
 * <p>Write test cells with the fully qualified name ({@code labkit.grade.Check.close(...)}) and compute the
 * expected values from literals or {@code java.*}/{@code labkit.*} classes, never from names the student can
 * redefine. Partial credit: {@link #partial(double, String)} (or a {@link Tally}) gives the cell a fraction of its
 * points; a cell that calls it more than once gets the smallest fraction.
 */
public final class Check {
    /** Environment variable through which the grader hands each run its secret marker nonce. */
    public static final String NONCE_ENV = "LABKIT_GRADE_NONCE";
    /** Start of the line that carries a partial-credit fraction to the grader. */
    public static final String MARKER = "[labkit-grade]";

    private Check() {}

    /** The error a failed check throws: its message says what was expected and what was found. */
    public static final class Failure extends AssertionError {
        private static final long serialVersionUID = 1L;

        /** A failure with the given message. */
        public Failure(String message) {
            super(message);
        }
    }

    /** Fails with {@code message} unless {@code condition} holds. */
    public static void that(boolean condition, String message) {
        if (!condition) {
            throw new Failure(message);
        }
    }

    /**
     * Fails unless {@code actual} equals {@code expected}; {@code what} names the value. The comparison is
     * {@code expected.equals(actual)}, so a student's object cannot answer for itself.
     */
    public static void equal(Object actual, Object expected, String what) {
        if (!Objects.equals(expected, actual)) {
            throw new Failure(what + ": expected " + expected + ", got " + actual);
        }
    }

    /** Fails unless {@code |actual - expected| <= tol} (NaN never passes). */
    public static void close(double actual, double expected, double tol) {
        if (!(Math.abs(actual - expected) <= tol)) {
            throw new Failure("expected " + expected + " ± " + tol + ", got " + actual);
        }
    }

    /** Element-wise {@link #close(double, double, double)}; lengths must match. */
    public static void close(double[] actual, double[] expected, double tol) {
        that(actual != null, "expected an array of " + expected.length + " values, got null");
        if (actual.length != expected.length) {
            throw new Failure("expected " + expected.length + " values, got " + actual.length);
        }
        for (int i = 0; i < actual.length; i++) {
            if (!(Math.abs(actual[i] - expected[i]) <= tol)) {
                throw new Failure("at index " + i + ": expected " + expected[i] + " ± " + tol + ", got " + actual[i]
                        + (actual.length <= 16 ? " (whole array " + Arrays.toString(actual) + ")" : ""));
            }
        }
    }

    /** Element-wise closeness of two NDArrays of the same shape (compared as float32). */
    public static void close(NDArray actual, NDArray expected, double tol) {
        that(actual != null, "expected an NDArray of shape " + expected.getShape() + ", got null");
        shape(actual, expected.getShape().getShape());
        float[] a = actual.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        float[] e = expected.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        for (int i = 0; i < a.length; i++) {
            if (!(Math.abs(a[i] - e[i]) <= tol)) {
                throw new Failure("at flat index " + i + ": expected " + e[i] + " ± " + tol + ", got " + a[i]);
            }
        }
    }

    /** Fails unless the array has exactly the dimensions {@code dims}. */
    public static void shape(NDArray array, long... dims) {
        that(array != null, "expected an NDArray of shape " + new Shape(dims) + ", got null");
        shape(array.getShape(), dims);
    }

    /** Fails unless {@code shape} is exactly {@code dims}. */
    public static void shape(Shape shape, long... dims) {
        if (shape == null || !Arrays.equals(shape.getShape(), dims)) {
            throw new Failure("expected shape " + new Shape(dims) + ", got " + shape);
        }
    }

    /**
     * Gives the current test cell {@code fraction} (0..1) of its points: prints a marker line that the grader
     * reads from this cell's output. Returns the fraction. Outside the grader it prints a plain line.
     */
    public static double partial(double fraction, String message) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("partial credit must be a fraction in [0, 1], got " + fraction);
        }
        String nonce = System.getenv(NONCE_ENV);
        String text = message == null ? "" : message.replace('\n', ' ');
        if (nonce != null && !nonce.isBlank()) {
            System.out.println(String.format(java.util.Locale.ROOT, "%s partial=%.6f nonce=%s %s", MARKER, fraction,
                    nonce, text)); // one write: the grader reads the line whole
        } else {
            System.out.println(String.format(java.util.Locale.ROOT, "partial credit %.1f%%: %s", 100 * fraction, text));
        }
        System.out.flush();
        return fraction;
    }

    /** Partial credit as {@code passed} out of {@code total}. */
    public static double partial(int passed, int total) {
        that(total > 0, "partial credit needs total > 0, got " + total);
        return partial(Math.max(0, Math.min(passed, total)) / (double) total, passed + " of " + total + " checks passed");
    }

    /** A tally of several checks for partial credit: each failed check is reported, then {@link Tally#report()}. */
    public static Tally tally() {
        return new Tally();
    }

    /** Counts passed checks; {@link #report()} prints the failures and the partial-credit marker. */
    public static final class Tally {
        private int passed;
        private int total;
        private final StringBuilder failures = new StringBuilder();

        private Tally() {}

        /** Runs one check; a {@link Failure} (or any exception) counts as failed and is remembered. */
        public Tally check(String name, Runnable check) {
            total++;
            try {
                check.run();
                passed++;
            } catch (RuntimeException | Failure e) {
                failures.append("  ✗ ").append(name).append(": ").append(e.getMessage()).append('\n');
            }
            return this;
        }

        /** Counts {@code condition} as one check called {@code name}. */
        public Tally check(String name, boolean condition) {
            return check(name, () -> that(condition, "does not hold"));
        }

        /** Prints failed checks and gives the cell passed/total of its points; returns that fraction. */
        public double report() {
            if (failures.length() > 0) {
                System.out.print(failures);
            }
            return partial(passed, total);
        }
    }
}
