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
     * Gives the current test cell {@code fraction} (0..1) of its points: the grader reads the smallest fraction
     * recorded during the cell when the cell has ended (see {@link #take}); a readable line is printed. Returns the
     * fraction.
     */
    public static double partial(double fraction, String message) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("partial credit must be a fraction in [0, 1], got " + fraction);
        }
        String text = message == null ? "" : message.replace('\n', ' ');
        synchronized (Check.class) {
            if (Double.isNaN(recorded) || fraction < recorded) {
                recorded = fraction;
                recordedWhy = text;
            }
        }
        System.out.println(String.format(java.util.Locale.ROOT, "partial credit %.1f%%: %s", 100 * fraction, text));
        System.out.flush();
        return fraction;
    }

    private static double recorded = Double.NaN;
    private static String recordedWhy = "";
    private static byte[] seal;

    /**
     * Called once by the grader's runner before any notebook cell runs: only the holder of the token whose SHA-256
     * is {@code tokenSha256} may {@link #take} recorded fractions. Returns where this class was loaded from, which the
     * runner compares with its jar. Fails when already sealed.
     */
    public static synchronized String seal(String tokenSha256) {
        if (seal != null) {
            throw new IllegalStateException("labkit.grade.Check is already sealed");
        }
        seal = java.util.HexFormat.of().parseHex(tokenSha256);
        java.security.CodeSource source = Check.class.getProtectionDomain().getCodeSource();
        return source == null ? "" : source.getLocation().getPath();
    }

    /**
     * For the grader's runner after each cell: the smallest fraction recorded since the last call and its message,
     * as hex of UTF-8 {@code "fraction message"}, or "" when none was recorded; clears the record. Needs the token
     * given to {@link #seal}.
     */
    public static synchronized String take(String token) {
        byte[] hash;
        try {
            hash = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(token.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        if (seal == null || !java.security.MessageDigest.isEqual(seal, hash)) {
            throw new IllegalStateException("only the grader may read partial credit");
        }
        String out = Double.isNaN(recorded) ? "" : java.util.HexFormat.of().formatHex(String.format(
                java.util.Locale.ROOT, "%.6f %s", recorded, recordedWhy).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        recorded = Double.NaN;
        recordedWhy = "";
        return out;
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
