package labkit.testing;

import static org.junit.jupiter.api.Assertions.assertTrue;

import labkit.quant.QParams;

/**
 * Assertions for numbers reached by different float32 arithmetic: distances in ulps and in quantization steps,
 * with the bound and its reason in the failure message (the policy is in this package's documentation).
 */
public final class Tolerance {
    private Tolerance() {}

    /**
     * How many float32 values lie between {@code a} and {@code b} (0 when equal, 1 for neighbours; +0 and -0 are
     * 0 apart). NaN is {@link Long#MAX_VALUE} from everything.
     */
    public static long ulps(float a, float b) {
        if (Float.isNaN(a) || Float.isNaN(b)) {
            return Long.MAX_VALUE;
        }
        return Math.abs(ordered(a) - ordered(b));
    }

    /** Float bits mapped onto a line where neighbouring floats are neighbouring integers. */
    private static long ordered(float f) {
        int bits = Float.floatToRawIntBits(f);
        return bits >= 0 ? bits : (long) Integer.MIN_VALUE - bits;
    }

    /** Asserts {@code actual} is within {@code maxUlps} float32 ulps of {@code expected}; {@code why} names the bound. */
    public static void assertUlps(float expected, float actual, long maxUlps, String why) {
        long d = ulps(expected, actual);
        assertTrue(d <= maxUlps, String.format(java.util.Locale.ROOT,
                "expected %s, got %s: %s ulps apart, bound %d ulps (%s)", expected, actual,
                d == Long.MAX_VALUE ? "NaN" : Long.toString(d), maxUlps, why));
    }

    /**
     * Asserts two qparams agree as values reached by different float32 arithmetic: same scheme, dtype and range,
     * every scale within {@code scaleUlps} ulps and every zero point within {@code zeroPointSteps}.
     */
    public static void assertQParams(QParams expected, QParams actual, long scaleUlps, int zeroPointSteps,
            String why) {
        String head = why + ": expected " + expected + ", got " + actual;
        assertTrue(expected.qscheme() == actual.qscheme() && expected.dtype() == actual.dtype()
                && expected.quantMin() == actual.quantMin() && expected.quantMax() == actual.quantMax()
                && expected.axis() == actual.axis() && expected.size() == actual.size(), head + " (kind differs)");
        for (int i = 0; i < expected.size(); i++) {
            assertUlps(expected.scale()[i], actual.scale()[i], scaleUlps, head + ", scale " + i);
            int dz = Math.abs(expected.zeroPoint()[i] - actual.zeroPoint()[i]);
            assertTrue(dz <= zeroPointSteps, head + ", zero point " + i + " " + dz + " apart, bound "
                    + zeroPointSteps);
        }
    }

    /**
     * Asserts {@code |expected - actual| <= maxSteps * step} element by element, where {@code step} is the
     * quantization step (scale) of the grid the values live on; returns the largest difference in steps.
     */
    public static double assertSteps(float[] expected, float[] actual, float step, double maxSteps, String why) {
        assertTrue(expected.length == actual.length, why + ": " + expected.length + " vs " + actual.length + " values");
        double worst = 0;
        int at = -1;
        for (int i = 0; i < expected.length; i++) {
            double d = Math.abs((double) expected[i] - actual[i]) / step;
            if (Double.isNaN(d) || d > worst) {
                worst = d;
                at = i;
                if (Double.isNaN(d)) {
                    break;
                }
            }
        }
        double w = worst;
        int a = at;
        assertTrue(w <= maxSteps, () -> String.format(java.util.Locale.ROOT,
                "%s: element %d differs by %.4f steps of %s, bound %.4f steps", why, a, w, step, maxSteps));
        return worst;
    }
}
