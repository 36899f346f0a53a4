package labkit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;

/**
 * Structural similarity with the definition and defaults of torchmetrics' {@code StructuralSimilarityIndexMeasure}
 * (Gaussian window 11×11, sigma 1.5, k1 0.01, k2 0.03, population covariance, a given data range L):
 * {@code ((2μxμy + C1)(2σxy + C2)) / ((μx² + μy² + C1)(σx² + σy² + C2))}, C1 = (k1·L)², C2 = (k2·L)², averaged
 * per image over every channel and every pixel whose 11×11 window lies inside the image, then over images.
 *
 * <p>Border handling: torchmetrics reflect-pads by 5, filters, then crops 5 pixels from each side, and
 * scikit-image's {@code structural_similarity(gaussian_weights=True, sigma=1.5, use_sample_covariance=False)}
 * filters with reflection and crops the same 5 pixels; the kept pixels never see the padding, so both equal a
 * "valid" filtering of the unpadded image, which is what this class computes (checked against scikit-image
 * fixtures). Images must therefore be at least 11×11. Computed in float64, like scikit-image.
 *
 * <p>Use {@link #of} for one batch, or {@link #update}/{@link #compute}/{@link #reset} to average over a
 * whole test set as torchmetrics does (mean of the per-image values).
 */
public final class Ssim {
    private final double dataRange;
    private final int kernelSize;
    private final double sigma;
    private final double k1;
    private final double k2;
    private double sum;
    private long count;

    /** SSIM with torchmetrics' defaults for images whose values span {@code dataRange} (1.0 for depth / max depth). */
    public Ssim(double dataRange) {
        this(dataRange, 11, 1.5, 0.01, 0.03);
    }

    /** SSIM with an explicit Gaussian window (odd size) and constants. */
    public Ssim(double dataRange, int kernelSize, double sigma, double k1, double k2) {
        if (!(dataRange > 0)) {
            throw new IllegalArgumentException("SSIM dataRange must be > 0 (the max minus min of the data, e.g. 1.0),"
                    + " got " + dataRange);
        }
        if (kernelSize < 1 || kernelSize % 2 == 0 || !(sigma > 0)) {
            throw new IllegalArgumentException("SSIM kernelSize must be odd and >= 1 and sigma > 0, got "
                    + kernelSize + ", " + sigma);
        }
        this.dataRange = dataRange;
        this.kernelSize = kernelSize;
        this.sigma = sigma;
        this.k1 = k1;
        this.k2 = k2;
    }

    public double dataRange() { return dataRange; }

    /** Mean SSIM of a batch (N×C×H×W predictions against targets). */
    public static float of(NDArray preds, NDArray target, double dataRange) {
        return new Ssim(dataRange).perImage(preds, target).mean().getFloat();
    }

    /** SSIM of every image of the batch: an N-vector (float32) on the predictions' manager. */
    public NDArray perImage(NDArray preds, NDArray target) {
        check(preds, target);
        NDManager caller = preds.getManager();
        try (NDManager m = caller.newSubManager()) {
            NDArray p = preds.toType(DataType.FLOAT64, true);
            NDArray t = target.toType(DataType.FLOAT64, true);
            p.attach(m);
            t.attach(m);
            long n = p.getShape().get(0);
            long c = p.getShape().get(1);
            NDArray kernel = m.create(gaussian2d(), new Shape(1, 1, kernelSize, kernelSize)).repeat(0, c);
            NDArray stacked = NDArrays.concat(new NDList(p, t, p.mul(p), t.mul(t), p.mul(t)), 0);
            NDArray f = Conv2d.conv2d(stacked, kernel, null, new Shape(1, 1), new Shape(0, 0), new Shape(1, 1),
                    (int) c).singletonOrThrow();
            NDArray mp = f.get("0:" + n);
            NDArray mt = f.get(n + ":" + 2 * n);
            NDArray pp = f.get(2 * n + ":" + 3 * n);
            NDArray tt = f.get(3 * n + ":" + 4 * n);
            NDArray pt = f.get(4 * n + ":" + 5 * n);
            double c1 = Math.pow(k1 * dataRange, 2);
            double c2 = Math.pow(k2 * dataRange, 2);
            NDArray mp2 = mp.mul(mp);
            NDArray mt2 = mt.mul(mt);
            NDArray mpt = mp.mul(mt);
            NDArray sp = pp.sub(mp2);
            NDArray st = tt.sub(mt2);
            NDArray spt = pt.sub(mpt);
            NDArray num = mpt.mul(2).add(c1).mul(spt.mul(2).add(c2));
            NDArray den = mp2.add(mt2).add(c1).mul(sp.add(st).add(c2));
            NDArray map = num.div(den);
            NDArray result = map.reshape(n, -1).mean(new int[] {1}).toType(DataType.FLOAT32, false);
            result.attach(caller);
            return result;
        }
    }

    /** Adds a batch to the running mean over images. */
    public Ssim update(NDArray preds, NDArray target) {
        float[] v = perImage(preds, target).toFloatArray();
        for (float x : v) {
            sum += x;
        }
        count += v.length;
        return this;
    }

    /** Mean SSIM over every image given to {@link #update} since the last {@link #reset}. */
    public double compute() {
        if (count == 0) {
            throw new IllegalStateException("Ssim.compute() before any update(preds, target)");
        }
        return sum / count;
    }

    /** Number of images seen. */
    public long count() {
        return count;
    }

    public void reset() {
        sum = 0;
        count = 0;
    }

    /** The normalised 2-D Gaussian window (outer product of torchmetrics' 1-D kernel), row-major. */
    double[] gaussian2d() {
        double[] g = new double[kernelSize];
        double total = 0;
        for (int i = 0; i < kernelSize; i++) {
            double d = i - (kernelSize - 1) / 2.0;
            g[i] = Math.exp(-(d / sigma) * (d / sigma) / 2);
            total += g[i];
        }
        double[] k = new double[kernelSize * kernelSize];
        for (int i = 0; i < kernelSize; i++) {
            for (int j = 0; j < kernelSize; j++) {
                k[i * kernelSize + j] = g[i] / total * g[j] / total;
            }
        }
        return k;
    }

    private void check(NDArray preds, NDArray target) {
        Shape ps = preds.getShape();
        if (!ps.equals(target.getShape())) {
            throw new IllegalArgumentException("SSIM: predictions " + ps + " and targets " + target.getShape()
                    + " must have the same shape");
        }
        if (ps.dimension() != 4) {
            throw new IllegalArgumentException("SSIM expects N×C×H×W arrays, got " + ps
                    + "; add the batch/channel axes (e.g. x.expandDims(0))");
        }
        if (ps.get(2) < kernelSize || ps.get(3) < kernelSize) {
            throw new IllegalArgumentException("SSIM needs images of at least " + kernelSize + "×" + kernelSize
                    + " (the Gaussian window), got " + ps.get(2) + "×" + ps.get(3));
        }
    }
}
