package labkit.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.Loss;
import labkit.nn.BlockTree;
import labkit.nn.ConvBnAct;
import labkit.nn.Flatten;
import labkit.nn.GlobalAvgPool;
import labkit.nn.QuantStub;
import labkit.nn.Sequential;
import org.junit.jupiter.api.Test;

class QatTest {

    @Test
    void fakeQuantTrainingLearnsAndConverts() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(21);
            Block model = new Sequential().add("quant", new QuantStub())
                    .add(ConvBnAct.builder(8).build())
                    .add(ConvBnAct.builder(8).build())
                    .add("pool", new GlobalAvgPool()).add("flatten", new Flatten())
                    .add("fc", Linear.builder().setUnits(3).build());
            model.initialize(m, DataType.FLOAT32, new Shape(16, 3, 8, 8));
            NDArray x = m.randomNormal(new Shape(16, 3, 8, 8));
            NDArray y = x.mean(new int[] {3}).mean(new int[] {2}).argMax(1).toType(DataType.FLOAT32, false);

            Qat qat = Qat.prepare(model, QConfig.fbgemmQat());
            assertEquals(3, BlockTree.find(model, QatLayer.class).size());
            assertEquals("1.0.0", BlockTree.find(model, QatLayer.class).get(0).getKey());
            Loss loss = Loss.softmaxCrossEntropyLoss();
            Parameter w = BlockTree.parameters(model).get("1.0.0.weight");
            float first = 0;
            float last = 0;
            for (int step = 0; step < 40; step++) {
                float value;
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray out = qat.model().forward(new ParameterStore(m, false), new NDList(x), true)
                            .singletonOrThrow();
                    NDArray l = loss.evaluate(new NDList(y), new NDList(out));
                    value = l.getFloat();
                    gc.backward(l);
                }
                if (step == 0) {
                    first = value;
                    assertTrue(w.getArray().getGradient().abs().sum().getFloat() > 0, "gradient reaches the weight");
                }
                last = value;
                for (Parameter p : BlockTree.parameters(model).values()) {
                    NDArray a = p.getArray();
                    a.set(a.sub(a.getGradient().mul(0.5f)).toFloatArray());
                }
            }
            assertTrue(last < 0.8 * first, "loss " + first + " -> " + last);

            // as torch's disable_observer before evaluating: one training-mode pass lets the weight observers see
            // the final weights, then every observer is frozen, so evaluation and convert() use the same qparams
            qat.model().forward(new ParameterStore(m, false), new NDList(x), true);
            for (var o : BlockTree.find(model, Observed.class)) {
                o.getValue().mode(Observed.Mode.FAKE_QUANT);
            }
            NDArray qatEval = qat.model().forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
            Block q = qat.convert();
            NDArray out = TestModels.eval(q, m, x);
            float scale = qat.state().activationQParams().get("fc").scale()[0];
            float steps0 = out.sub(qatEval).abs().max().getFloat() / scale;
            // Measured 4 steps (PyTorch single-threaded): the converted model pools and adds biases in float where
            // the QAT graph's fake-quant points sit elsewhere; a tighter match is open work (issue 3 note).
            assertTrue(steps0 <= 5, "converted model differs from the frozen QAT model by " + steps0 + " output steps");
            QParams wq = qat.weightQParams().get("1.0.0");
            assertEquals(QScheme.PER_CHANNEL_SYMMETRIC, wq.qscheme());
            NDArray steps = w.getArray().div(m.create(wq.scale()).reshape(8, 1, 1, 1));
            assertTrue(steps.sub(steps.round()).abs().max().getFloat() < 1e-3, "weights on the int8 grid");
            assertEquals(127, qat.state().activationQParams().get("quant").quantMax(), "fbgemm QAT: 0..255 reduced");
            assertEquals(7, qat.qparamsTable().rowCount(), "4 activation + 3 weight rows");
            assertThrows(IllegalStateException.class, () -> qat.state().calibrate(x));
        }
    }
}
