package labkit.augment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.translate.Transform;
import labkit.Seedable;

/**
 * Not a test: measures images/s of the Task 1 augmentation pipeline at 32×32 uint8, fused (one
 * {@link Compose}) and step by step (each transform NDArray in, NDArray out), interleaved rounds.
 * Run: {@code java -Dai.djl.offline=true -cp <test classpath> labkit.augment.AugmentThroughput [images] [rounds]}.
 */
public final class AugmentThroughput {
    private AugmentThroughput() {}

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomInteger(0, 256, new Shape(32, 32, 3), DataType.INT32).toType(DataType.UINT8, false);
            Compose fused = Compose.seeded(0, ComposeTest.pipeline());
            Compose steps = Compose.seeded(0, ComposeTest.pipeline());
            run(m, x, n / 5, fused, false); // warm-up
            run(m, x, n / 5, steps, true);
            for (int r = 0; r < rounds; r++) {
                double[] f = run(m, x, n, fused, false);
                double[] s = run(m, x, n, steps, true);
                System.out.printf("round %d: fused %.0f images/s (%.0f per CPU-second), step-by-step %.0f (%.0f per CPU-s)%n",
                        r, f[0], f[1], s[0], s[1]);
            }
            // where the time goes: per-image cost of each piece on its own, in CPU microseconds
            Pixels px = Pixels.read(x, Pixels.Layout.HWC, "bench");
            Transform[] parts = ComposeTest.pipeline();
            for (Transform t : parts) {
                if (t instanceof Seedable) {
                    ((Seedable) t).reseed(1);
                }
            }
            piece("NDArray harness (sub-manager, duplicate)", n, () -> {
                try (NDManager step = m.newSubManager()) {
                    x.duplicate().attach(step);
                }
            });
            piece("read uint8 NDArray -> float[]", n, () -> Pixels.read(x, Pixels.Layout.HWC, "bench"));
            Pixels chw = new ToTensor().apply(px);
            piece("create float32 NDArray from float[]", n, () -> {
                try (NDManager step = m.newSubManager()) {
                    chw.toNDArray(step);
                }
            });
            for (Transform t : parts) {
                PixelTransform pt = (PixelTransform) t;
                Pixels in = pt.inputLayout() == Pixels.Layout.CHW ? chw : px;
                piece(t.toString(), n, () -> pt.apply(in));
            }
            piece("Rotate(15) bilinear", n, () -> new Rotate(15, Interpolation.BILINEAR).apply(px));
            piece("Perspective always", n, () -> new RandomPerspective(0.2, 1.0, 1).apply(px));
        }
    }

    private static void piece(String name, int n, Runnable r) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int i = 0; i < n / 5; i++) {
            r.run();
        }
        long c0 = mx.getCurrentThreadCpuTime();
        for (int i = 0; i < n; i++) {
            r.run();
        }
        System.out.printf("  %-60s %7.1f us/image (CPU)%n", name, (mx.getCurrentThreadCpuTime() - c0) / 1e3 / n);
    }

    private static double[] run(NDManager m, NDArray x, int n, Compose c, boolean stepByStep) {
        java.lang.management.ThreadMXBean mx = java.lang.management.ManagementFactory.getThreadMXBean();
        long c0 = mx.getCurrentThreadCpuTime();
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
            try (NDManager step = m.newSubManager()) {
                NDArray y = x.duplicate();
                y.attach(step);
                if (stepByStep) {
                    for (Transform t : c.transforms()) {
                        y = t.transform(y);
                    }
                } else {
                    y = c.transform(y);
                }
            }
        }
        return new double[] {n / ((System.nanoTime() - t0) / 1e9), n / ((mx.getCurrentThreadCpuTime() - c0) / 1e9)};
    }
}
