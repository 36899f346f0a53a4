package labkit.compress;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.training.dataset.ArrayDataset;
import java.util.Random;

/** A tiny 4-class image set (the class decides which quadrant is bright) and helpers shared by the tests. */
final class TinyData {
    private TinyData() {}

    static ArrayDataset make(NDManager m, int n, int size, long seed) {
        Random r = new Random(seed);
        float[] x = new float[n * 3 * size * size];
        float[] y = new float[n];
        int h2 = size / 2;
        for (int i = 0; i < n; i++) {
            int c = i % 4;
            y[i] = c;
            for (int ch = 0; ch < 3; ch++) {
                for (int h = 0; h < size; h++) {
                    for (int w = 0; w < size; w++) {
                        boolean on = (h < h2) == (c < 2) && (w < h2) == (c % 2 == 0);
                        x[((i * 3 + ch) * size + h) * size + w] = (on ? 0.8f : 0.2f) + 0.3f * (float) r.nextGaussian();
                    }
                }
            }
        }
        return new ArrayDataset.Builder().setData(m.create(x, new Shape(n, 3, size, size))).optLabels(m.create(y))
                .setSampling(8, false).build();
    }

    static Block init(Block b, NDManager m, int size) {
        b.initialize(m, DataType.FLOAT32, new Shape(1, 3, size, size));
        return b;
    }

    /** Eval-mode logits of {@code b} for {@code x}, as a Java array. */
    static float[] forward(Block b, NDManager m, NDArray x) {
        try (NDManager s = m.newSubManager()) {
            NDArray y = b.forward(new ParameterStore(s, false), new NDList(x), false).head();
            y.attach(s);
            return y.toFloatArray();
        }
    }

    static NDArray input(NDManager m, int n, int size, long seed) {
        m.getEngine().setRandomSeed((int) seed);
        return m.randomNormal(new Shape(n, 3, size, size));
    }
}
