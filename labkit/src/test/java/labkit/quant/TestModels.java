package labkit.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import java.util.Map;
import java.util.Random;
import labkit.models.MobileNetV2;
import labkit.nn.Act;
import labkit.nn.BlockTree;
import labkit.nn.ConvBnAct;
import labkit.nn.QuantStub;
import labkit.nn.Sequential;

/**
 * Small models with non-trivial BatchNorm statistics for the fusion / PTQ tests. Building one seeds the engine's
 * random generator, so weights and the random inputs drawn after it are the same on every run.
 */
final class TestModels {
    private TestModels() {}

    /** quant stub → 3 ConvBnAct (ReLU, ReLU, none) on 3×16×16 inputs. */
    static Block convStack(NDManager m, long seed) {
        ai.djl.engine.Engine.getInstance().setRandomSeed((int) seed);
        Sequential s = new Sequential();
        s.add("quant", new QuantStub());
        s.add(ConvBnAct.builder(8).stride(2).build());
        s.add(ConvBnAct.builder(8).groups(8).build());
        s.add(ConvBnAct.builder(6).kernel(1).act(Act.Kind.IDENTITY).build());
        s.initialize(m, DataType.FLOAT32, new Shape(2, 3, 16, 16));
        randomizeBatchNorm(s, seed);
        return s;
    }

    /** Quantizable MobileNetV2 at width 0.35, 10 classes, random BN statistics (input 2×3×32×32). */
    static Block smallMobileNet(NDManager m, long seed) {
        ai.djl.engine.Engine.getInstance().setRandomSeed((int) seed);
        Block b = MobileNetV2.builder().widthMult(0.35).numClasses(10).quantizable(true).build();
        b.initialize(m, DataType.FLOAT32, new Shape(2, 3, 32, 32));
        randomizeBatchNorm(b, seed);
        return b;
    }

    static void randomizeBatchNorm(Block model, long seed) {
        Random r = new Random(seed);
        for (Map.Entry<String, Parameter> e : BlockTree.parameters(model).entrySet()) {
            String k = e.getKey();
            NDArray a = e.getValue().getArray();
            float[] v = new float[(int) a.size()];
            boolean bn = k.endsWith("running_mean") || k.endsWith("running_var")
                    || (a.getShape().dimension() == 1 && !k.startsWith("classifier"));
            if (!bn) {
                continue;
            }
            for (int i = 0; i < v.length; i++) {
                double g = r.nextGaussian();
                v[i] = (float) (k.endsWith("running_var") ? 0.5 + r.nextDouble()
                        : k.endsWith("running_mean") ? 0.2 * g
                        : k.endsWith("weight") ? 1 + 0.3 * g : 0.2 * g);
            }
            a.set(v);
        }
    }

    static NDArray eval(Block b, NDManager m, NDArray x) {
        return b.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
    }
}
