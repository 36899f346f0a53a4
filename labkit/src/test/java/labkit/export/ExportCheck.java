package labkit.export;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import labkit.nn.BlockTree;

/** Test helper: initialise a block with seeded random weights and BN statistics, export it, compare ORT vs DJL. */
final class ExportCheck {
    private ExportCheck() {}

    /** Initialises {@code block} for {@code shape} and overwrites every parameter with seeded random values. */
    static void init(Block block, NDManager m, Shape shape, long seed) {
        block.initialize(m, DataType.FLOAT32, shape);
        Random r = new Random(seed);
        for (Map.Entry<String, Parameter> e : BlockTree.parameters(block).entrySet()) {
            NDArray a = e.getValue().getArray();
            float[] v = new float[(int) a.size()];
            String k = e.getKey();
            long fanIn = a.getShape().dimension() > 1 ? a.getShape().size() / a.getShape().get(0) : 1;
            for (int i = 0; i < v.length; i++) {
                if (k.endsWith("running_var")) {
                    v[i] = 0.5f + r.nextFloat();
                } else if (k.endsWith("running_mean") || k.endsWith("bias")) {
                    v[i] = (float) (0.2 * r.nextGaussian());
                } else if (a.getShape().dimension() == 1) {
                    v[i] = 0.8f + 0.4f * r.nextFloat(); // BN gamma, fusion weights
                } else {
                    v[i] = (float) (r.nextGaussian() / Math.sqrt(fanIn));
                }
            }
            a.set(v);
        }
    }

    /** A seeded N(0,1) input. */
    static NDArray input(NDManager m, Shape shape, long seed) {
        Random r = new Random(seed);
        float[] v = new float[(int) shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return m.create(v, shape);
    }

    /** DJL eval-mode forward. */
    static NDList djl(Block block, NDArray x) {
        return block.forward(new ParameterStore(x.getManager(), false), new NDList(x), false);
    }

    /** Max |ORT − DJL| over all outputs for input {@code x}, exporting {@code block} to {@code file}. */
    static float maxDiff(Block block, NDArray x, Path file) {
        OnnxExporter.builder().build().export(block, x.getShape(), file);
        NDList want = djl(block, x);
        try (OrtModel ort = OrtModel.open(file, 1)) {
            NDList got = ort.predictAll(x);
            if (got.size() != want.size()) {
                throw new AssertionError("ORT gave " + got.size() + " outputs, DJL " + want.size());
            }
            float max = 0;
            for (int i = 0; i < got.size(); i++) {
                if (!got.get(i).getShape().equals(want.get(i).getShape())) {
                    throw new AssertionError("output " + i + ": ORT shape " + got.get(i).getShape() + " vs DJL "
                            + want.get(i).getShape());
                }
                max = Math.max(max, got.get(i).sub(want.get(i)).abs().max().getFloat());
            }
            return max;
        }
    }
}
