package labkit.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Random;
import labkit.nn.QuantStub;
import labkit.nn.Sequential;
import org.junit.jupiter.api.Test;

/** Calibration methods on cases with known answers. */
class CalibrationTest {

    private static float[] gaussian(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    private static float[] laplace(int n, long seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            double u = r.nextDouble() - 0.5;
            v[i] = (float) (-Math.signum(u) * Math.log(1 - 2 * Math.abs(u))); // b = 1
        }
        return v;
    }

    @Test
    void percentileIsNumpysLinearPercentile() {
        float[] v = new float[1001];
        for (int i = 0; i < v.length; i++) {
            v[v.length - 1 - i] = i; // unsorted input
        }
        assertEquals(999f, ClipSearch.percentile(v, 99.9), 0f, "numpy.percentile(arange(1001), 99.9) == 999");
        assertEquals(2.5f, ClipSearch.percentile(new float[] {4, 1, 3, 2}, 50), 0f, "median of 1..4");
        assertEquals(3.25f, ClipSearch.percentile(new float[] {1, 2, 3, 4}, 75), 0f, "numpy gives 3.25");
        // standard normal: the 99.9th percentile is 3.0902 (z table); a 10^6 sample lands within 0.03
        assertEquals(3.0902, ClipSearch.percentile(gaussian(1_000_000, 1), 99.9), 0.03);
        assertThrows(IllegalArgumentException.class, () -> ClipSearch.percentile(v, 101));
    }

    /**
     * Banner et al. (ACIQ, "Post training 4-bit quantization", 2019) give the MSE-optimal clip of a Gaussian as
     * 2.15σ (3 bits) and 2.55σ (4 bits), of a Laplace(b) as 3.89b and 5.03b, from a closed form that models the
     * rounding noise as α²/(3·4^M). The exact search here on torch's symmetric grid (-2^(M-1)..2^(M-1)-1, scale
     * α/(2^M/2 - 1/2)) lands within 0.05σ / 0.15b of those values (a numpy check of the exact optimum gave 2.11σ,
     * 2.54σ, 3.76b, 4.94b), i.e. within the closed form's approximation.
     */
    @Test
    void mseClipOfGaussianAndLaplaceMatchesAciq() {
        float[] g = gaussian(1_000_000, 2);
        float[] l = laplace(1_000_000, 3);
        double[][] cases = {{3, 2.15, 3.89}, {4, 2.55, 5.03}};
        for (double[] c : cases) {
            int bits = (int) c[0];
            int qmin = LowBit.quantMin(QuantDType.QINT8, bits);
            int qmax = LowBit.quantMax(QuantDType.QINT8, bits);
            float[] rg = ClipSearch.lpClip(g, qmin, qmax, true, 2);
            float ag = Math.max(-rg[0], rg[1]);
            assertEquals(c[1], ag, 0.06, bits + "-bit Gaussian clip vs ACIQ's " + c[1] + "σ");
            float[] rl = ClipSearch.lpClip(l, qmin, qmax, true, 2);
            float al = Math.max(-rl[0], rl[1]);
            assertEquals(c[2], al, 0.15, bits + "-bit Laplace clip vs ACIQ's " + c[2] + "b");
        }
        // more bits → a wider optimal clip; the MSE there is below min-max's
        int qmin = -8;
        int qmax = 7;
        float[] r = ClipSearch.lpClip(g, qmin, qmax, true, 2);
        float amax = 0;
        for (float x : g) {
            amax = Math.max(amax, Math.abs(x));
        }
        assertTrue(ClipSearch.lpError(g, r[0], r[1], qmin, qmax, true, 2)
                < 0.5 * ClipSearch.lpError(g, -amax, amax, qmin, qmax, true, 2), "MSE clip halves min-max's error");
    }

    @Test
    void klKeepsTheRangeOfUniformDataAndClipsAnOutlier() {
        Random r = new Random(4);
        float[] u = new float[200_000];
        for (int i = 0; i < u.length; i++) {
            u[i] = r.nextFloat();
        }
        float t = ClipSearch.klThreshold(u, 128);
        assertTrue(t > 0.95f && t <= 1.0f, "uniform data: no clipping pays off, threshold " + t);
        float[] g = gaussian(200_000, 5);
        g[17] = 100f; // one outlier stretches min-max 25x
        float tg = ClipSearch.klThreshold(g, 128);
        assertTrue(tg > 3f && tg < 10f, "Gaussian + outlier: threshold " + tg + " in (3σ, 10σ)");
    }

    @Test
    void clipObserverMinMaxEqualsMinMaxObserverAndIsSeeded() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(gaussian(5000, 6)).mul(2).add(0.5);
            MinMaxObserver mm = MinMaxObserver.builder().quantRange(0, 15).build();
            ClipObserver co = ClipObserver.builder(Calibration.minMax()).quantRange(0, 15).build();
            mm.observe(x);
            co.observe(x);
            assertEquals(mm.calculateQParams(), co.calculateQParams());
            // a sample smaller than the data: same seed → same percentile range
            ClipObserver a = ClipObserver.builder(Calibration.percentile(99)).sampleSize(1000).seed(1).build();
            ClipObserver b = ClipObserver.builder(Calibration.percentile(99)).sampleSize(1000).seed(1).build();
            a.observe(x);
            b.observe(x);
            assertArrayEquals(a.clipRange(), b.clipRange());
            assertThrows(IllegalArgumentException.class, () -> a.observe(new float[] {1f, Float.NaN}));
            assertThrows(IllegalStateException.class,
                    () -> ClipObserver.builder(Calibration.mse()).build().calculateQParams());
        }
    }

    @Test
    void perChannelMseClipLowersFourBitWeightError() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] w = laplace(16 * 576, 7);
            NDArray wa = m.create(w, new Shape(16, 64, 3, 3));
            Observer mm = LowBit.minMax(4, 8).weight().get();
            Observer mse = Calibration.mse().qconfig(4, 8).weight().get();
            mm.observe(wa);
            mse.observe(wa);
            double eMm = mse(wa, Quantizer.fakeQuantize(wa, mm.calculateQParams(), false));
            double eMse = mse(wa, Quantizer.fakeQuantize(wa, mse.calculateQParams(), false));
            assertTrue(eMse < 0.9 * eMm, "per-channel MSE clip " + eMse + " vs min-max " + eMm);
        }
    }

    /** A 1x1 conv: the corrected bias makes the mean output error per channel zero on the calibration data. */
    @Test
    void biasCorrectionZeroesTheMeanOutputShift() {
        try (NDManager m = NDManager.newBaseManager()) {
            ai.djl.engine.Engine.getInstance().setRandomSeed(11);
            Sequential s = new Sequential();
            s.add("quant", new QuantStub());
            s.add("conv", Conv2d.builder().setFilters(6).setKernelShape(new Shape(1, 1)).build());
            s.initialize(m, DataType.FLOAT32, new Shape(4, 5, 6, 6));
            NDArray x = m.randomUniform(0f, 2f, new Shape(4, 5, 6, 6)); // non-zero input means
            NDArray w = ai.djl.nn.Parameter.class.cast(labkit.nn.BlockTree.parameters(s).get("conv.weight"))
                    .getArray();
            NDArray b0 = labkit.nn.BlockTree.parameters(s).get("conv.bias").getArray().duplicate();
            NDArray yFloat = forward(s, m, x);
            Ptq ptq = Ptq.prepare(s, LowBit.minMax(3, 8));
            ptq.calibrate(List.of(x));
            QParams wq = ptq.weightObservers().get("conv").calculateQParams();
            var table = BiasCorrection.apply(ptq, List.of(x));
            assertEquals(1, table.rowCount());
            NDArray bias = labkit.nn.BlockTree.parameters(s).get("conv.bias").getArray();
            // float conv with the rounded weight and the corrected bias, input unquantized
            NDArray wqArr = Quantizer.fakeQuantize(w, wq, false);
            NDArray y = ai.djl.ndarray.NDArrays.add(
                    ai.djl.nn.convolutional.Conv2d.conv2d(x, wqArr, bias, new Shape(1, 1), new Shape(0, 0),
                            new Shape(1, 1), 1).singletonOrThrow(), 0);
            float[] before = ai.djl.nn.convolutional.Conv2d.conv2d(x, wqArr, b0, new Shape(1, 1), new Shape(0, 0),
                    new Shape(1, 1), 1).singletonOrThrow().sub(yFloat).transpose(1, 0, 2, 3).reshape(6, -1).mean(new int[] {1}).toFloatArray();
            float[] after = y.sub(yFloat).transpose(1, 0, 2, 3).reshape(6, -1).mean(new int[] {1}).toFloatArray();
            double maxBefore = 0;
            for (int c = 0; c < after.length; c++) {
                assertEquals(0, after[c], 2e-5, "channel " + c + " mean error after correction");
                maxBefore = Math.max(maxBefore, Math.abs(before[c]));
            }
            assertTrue(maxBefore > 1e-3, "3-bit rounding shifted some channel's mean: " + maxBefore);
        }
    }

    @Test
    void lapqNeverRaisesTheLossAndLowersItAtThreeBits() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block model = TestModels.convStack(m, 3);
            NDArray x = m.randomNormal(new Shape(2, 3, 16, 16));
            NDArray ref = forward(model, m, x);
            Ptq ptq = Ptq.prepare(model, Calibration.mse().qconfig(3, 3));
            ptq.calibrate(List.of(x));
            Lapq.Result r = Lapq.convert(ptq, blk -> forward(blk, m, x).sub(ref).square().mean().getFloat(), 2);
            assertTrue(r.finalLoss() <= r.initialLoss(), r.toString());
            assertTrue(r.finalLoss() < 0.99 * r.initialLoss(), "joint search improves on per-tensor MSE: "
                    + r.initialLoss() + " -> " + r.finalLoss());
            // the converted model also puts biases on their int32 grid (coarse at 3 bits), so its loss differs a bit
            double converted = forward(r.model(), m, x).sub(ref).square().mean().getFloat();
            assertTrue(Double.isFinite(converted) && converted < 2 * r.initialLoss(), "converted loss " + converted);
            assertTrue(ptq.isConverted());
        }
    }

    private static double mse(NDArray a, NDArray b) {
        return a.sub(b).square().mean().getFloat();
    }

    private static NDArray forward(Block b, NDManager m, NDArray x) {
        return b.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
    }
}
