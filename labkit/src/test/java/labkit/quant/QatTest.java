package labkit.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Map;
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
import com.google.gson.JsonObject;
import labkit.TestFixtures;
import labkit.nn.BlockTree;
import labkit.nn.ConvBnAct;
import labkit.nn.Flatten;
import labkit.nn.GlobalAvgPool;
import labkit.nn.ManagerLeakCheck;
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
            // The two graphs round at the same points (input, conv 1, conv 2, output) but reach them by different
            // float32 arithmetic (fake-quant + float conv + float bias vs int8-grid conv + int32-grid bias), and only
            // the int8 model requantizes the pool to conv 2's grid. Where a value sits near a rounding boundary the
            // two land one step apart, and the kernel set (ATEN_CPU_CAPABILITY) decides which values do. Bound, in
            // output steps: 1 (the output's own rounding) + the fc layer's largest row sum of |w| times the pooled
            // features' worst difference: half a step of requantization, one step for a flipped conv 2 output, and
            // a flipped conv 1 output (one per receptive field) times conv 2's largest |w|. A worst case (every
            // error at its largest, all of one sign): about 44 steps for this seed; measured 3 steps on an AMD EPYC
            // (default, avx2, avx512), 7 under default on an Intel Xeon.
            Map<String, QParams> act = qat.state().activationQParams();
            Map<String, Parameter> ps = BlockTree.parameters(model);
            double s1 = stepOf(act, "1.0");
            double s2 = stepOf(act, "2.0");
            double pooled = 1.5 * s2 + ps.get("2.0.0.weight").getArray().abs().max().getFloat() * s1;
            double bound = 1 + rowAbsSum(ps.get("fc.weight").getArray()) * pooled / scale;
            float steps0 = out.sub(qatEval).abs().max().getFloat() / scale;
            assertTrue(steps0 <= bound, "converted model differs from the frozen QAT model by " + steps0
                    + " output steps; bound " + bound + " steps (output rounding + fc row sum of |w| x (1.5 conv 2"
                    + " steps + one flipped conv 1 step x conv 2's largest |w|))");
            QParams wq = qat.weightQParams().get("1.0.0");
            assertEquals(QScheme.PER_CHANNEL_SYMMETRIC, wq.qscheme());
            NDArray steps = w.getArray().div(m.create(wq.scale()).reshape(8, 1, 1, 1));
            assertTrue(steps.sub(steps.round()).abs().max().getFloat() < 1e-3, "weights on the int8 grid");
            assertEquals(127, qat.state().activationQParams().get("quant").quantMax(), "fbgemm QAT: 0..255 reduced");
            assertEquals(7, qat.qparamsTable().rowCount(), "4 activation + 3 weight rows");
            assertThrows(IllegalStateException.class, () -> qat.state().calibrate(x));
        }
    }

    /** Largest sum of |w| over one output's weights (a layer's gain in the max norm). */
    static double rowAbsSum(NDArray w) {
        return w.abs().reshape(w.getShape().get(0), -1).sum(new int[] {1}).max().getFloat();
    }

    static double stepOf(Map<String, QParams> act, String key) {
        QParams q = act.get(key);
        assertTrue(q != null, "no activation qparams for " + key + " among " + act.keySet());
        return q.scale()[0];
    }

    static Block qatNet(NDManager m, long seed) {
        Engine.getInstance().setRandomSeed((int) seed);
        Block model = new Sequential().add("quant", new QuantStub())
                .add(ConvBnAct.builder(8).build())
                .add(ConvBnAct.builder(8).build())
                .add("pool", new GlobalAvgPool()).add("flatten", new Flatten())
                .add("fc", Linear.builder().setUnits(3).build());
        model.initialize(m, DataType.FLOAT32, new Shape(16, 3, 8, 8));
        TestModels.randomizeBatchNorm(model, seed);
        return model;
    }

    @Test
    void batchNormStaysLiveUntilFrozenAndFoldsAtConvert(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
        try (NDManager m = NDManager.newBaseManager()) {
            Block model = qatNet(m, 23);
            NDArray x = m.randomNormal(new Shape(16, 3, 8, 8));
            NDArray y = x.mean(new int[] {3}).mean(new int[] {2}).argMax(1).toType(DataType.FLOAT32, false);
            Qat qat = Qat.prepareWithBatchNorm(model, QConfig.qnnpackQat());
            assertEquals(2, BlockTree.find(model, QatConvBn.class).size());
            assertEquals(List.of("1.0.0", "2.0.0", "fc"), List.copyOf(qat.state().weightObservers().keySet()));
            assertEquals(List.of("quant", "1.0", "2.0", "fc"), List.copyOf(qat.state().activationObservers().keySet()));
            QatConvBn first = (QatConvBn) BlockTree.get(model, "1.0.0");
            Map<String, Parameter> p = BlockTree.parameters(model);
            NDArray runningMean = p.get("1.0.0.bn.running_mean").getArray();

            // eval: conv with the weight folded by the running std, fake-quantized, then BN = the folded conv
            NDArray evalOut = first.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
            Block folded = BnFusion.fold(BlockTree.get(model, "1.0.0.conv"), (ai.djl.nn.norm.BatchNorm)
                    BlockTree.get(model, "1.0.0.bn"));
            QParams wq = first.weightObserver().calculateQParams();
            NDArray fw = folded.getParameters().get("weight").getArray();
            fw.set(Quantizer.fakeQuantize(fw, wq, false).toFloatArray());
            NDArray foldedOut = TestModels.eval(folded, m, x);
            float rel = evalOut.sub(foldedOut).abs().max().getFloat() / foldedOut.abs().max().getFloat();
            assertTrue(rel < 1e-5, "eval output vs folded fake-quant conv: " + rel);

            // training: batch statistics, running statistics updated; frozen: running statistics, not updated
            float[] mean0 = runningMean.toFloatArray();
            first.forward(new ParameterStore(m, false), new NDList(x), true);
            float[] mean1 = runningMean.toFloatArray();
            assertTrue(!java.util.Arrays.equals(mean0, mean1), "running mean updates in training");
            Loss loss = Loss.softmaxCrossEntropyLoss();
            float firstLoss = 0;
            float lastLoss = 0;
            for (int step = 0; step < 30; step++) {
                try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                    NDArray out = qat.model().forward(new ParameterStore(m, false), new NDList(x), true)
                            .singletonOrThrow();
                    NDArray l = loss.evaluate(new NDList(y), new NDList(out));
                    lastLoss = l.getFloat();
                    gc.backward(l);
                }
                if (step == 0) {
                    firstLoss = lastLoss;
                    assertTrue(p.get("1.0.0.conv.weight").getArray().getGradient().abs().sum().getFloat() > 0);
                    assertTrue(p.get("1.0.0.bn.weight").getArray().getGradient().abs().sum().getFloat() > 0,
                            "gradient reaches BN's gamma");
                }
                for (Parameter q : p.values()) {
                    if (q.requiresGradient()) {
                        NDArray a = q.getArray();
                        a.set(a.sub(a.getGradient().mul(0.5f)).toFloatArray());
                    }
                }
                if (step == 19) {
                    qat.freezeBatchNormAfter(1).onEpoch(null);
                    assertTrue(first.batchNormFrozen());
                }
            }
            assertTrue(lastLoss < 0.8 * firstLoss, "loss " + firstLoss + " -> " + lastLoss);
            float[] frozenMean = runningMean.toFloatArray();
            NDArray trainOut = first.forward(new ParameterStore(m, false), new NDList(x), true).singletonOrThrow();
            assertArrayEquals(frozenMean, runningMean.toFloatArray(), "frozen BN keeps its running statistics");
            assertArrayEquals(first.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow()
                    .toFloatArray(), trainOut.toFloatArray(), 1e-6f, "frozen BN normalizes as in eval");

            // convert folds BN by its running statistics into the layout Ptq.prepare gives, so files round trip
            for (var o : BlockTree.find(model, Observed.class)) {
                o.getValue().mode(Observed.Mode.FAKE_QUANT);
            }
            Block q = qat.convert();
            assertEquals(0, BlockTree.find(q, QatConvBn.class).size());
            NDArray out = TestModels.eval(q, m, x);
            QuantizedModelFile.save(qat.state(), dir.resolve("qat.lkq"));
            Ptq twin = Ptq.prepare(qatNet(m, 24), QConfig.qnnpackQat());
            assertEquals(BlockTree.parameters(q).keySet(), BlockTree.parameters(twin.model()).keySet());
            Block loaded = QuantizedModelFile.load(twin, dir.resolve("qat.lkq"));
            assertArrayEquals(out.toFloatArray(), TestModels.eval(loaded, m, x).toFloatArray(), 0f);
            assertThrows(IllegalArgumentException.class, () -> qat.freezeBatchNormAfter(0));
        }
    }

    /**
     * torch 1.13's nni.qat.ConvBnReLU2d on the same weights, weight fake-quant as labkit's qnnpack QAT weight
     * observer (torch's plain FakeQuantize; see the generator for its fused variant): train, eval, freeze_bn.
     */
    @Test
    void convBnMatchesTorchsFusedQatModule() {
        JsonObject fx = TestFixtures.object("quant/qat_convbn.json");
        try (NDManager m = NDManager.newBaseManager()) {
            ai.djl.nn.convolutional.Conv2d conv = ai.djl.nn.convolutional.Conv2d.builder()
                    .setKernelShape(new Shape(3, 3)).setFilters(4).optPadding(new Shape(1, 1)).optBias(false).build();
            QatConvBn q = new QatConvBn(conv, ConvBnAct.batchNorm(1e-5f), QConfig.qnnpackQat().weight().get());
            q.initialize(m, DataType.FLOAT32, new Shape(4, 3, 6, 6));
            Map<String, Parameter> p = BlockTree.parameters(q);
            JsonObject state = fx.getAsJsonObject("state");
            for (String k : state.keySet()) {
                p.get(k.equals("weight") ? "conv.weight" : k).getArray()
                        .set(TestFixtures.floats(state.getAsJsonObject(k).get("data")));
            }
            NDArray x = TestFixtures.tensor(m, fx.getAsJsonObject("x"));
            NDArray train = ai.djl.nn.Activation.relu(q.forward(new ParameterStore(m, false), new NDList(x), true)
                    .singletonOrThrow());
            JsonObject after = fx.getAsJsonObject("after_train");
            assertArrayEquals(TestFixtures.floats(fx.getAsJsonObject("train").get("data")), train.toFloatArray(), 1e-4f);
            assertArrayEquals(TestFixtures.floats(after.getAsJsonObject("running_mean").get("data")),
                    p.get("bn.running_mean").getArray().toFloatArray(), 1e-6f, "running mean updated like torch's");
            assertArrayEquals(TestFixtures.floats(after.getAsJsonObject("running_var").get("data")),
                    p.get("bn.running_var").getArray().toFloatArray(), 1e-6f, "running var (unbiased) like torch's");
            assertEquals(TestFixtures.floats(after.get("weight_scale"))[0], q.weightObserver().calculateQParams().scale()[0],
                    "fake-quant scale of the folded weight");
            NDArray eval = ai.djl.nn.Activation.relu(q.forward(new ParameterStore(m, false), new NDList(x), false)
                    .singletonOrThrow());
            assertArrayEquals(TestFixtures.floats(fx.getAsJsonObject("eval").get("data")), eval.toFloatArray(), 1e-4f);
            q.freezeBatchNorm();
            NDArray frozen = ai.djl.nn.Activation.relu(q.forward(new ParameterStore(m, false), new NDList(x), true)
                    .singletonOrThrow());
            assertArrayEquals(TestFixtures.floats(fx.getAsJsonObject("frozen").get("data")), frozen.toFloatArray(), 1e-4f);
            assertArrayEquals(TestFixtures.floats(fx.getAsJsonObject("frozen_running_mean").get("data")),
                    p.get("bn.running_mean").getArray().toFloatArray(), 1e-6f);
        }
    }

    @Test
    void aQatTrainingPassLeavesNothingInTheModelsManager() {
        // per pass, the fake-quantized weights (and QatConvBn's fold) used to stay attached to the weights' manager:
        // a QAT DepthNet grew by ~15 MB per training step until the model was closed
        for (boolean withBn : new boolean[] {false, true}) {
            try (NDManager m = NDManager.newBaseManager()) {
                Block model = qatNet(m, 5);
                if (withBn) {
                    Qat.prepareWithBatchNorm(model, QConfig.qnnpackQat());
                } else {
                    Qat.prepare(model, QConfig.fbgemmQat());
                }
                ManagerLeakCheck.assertTrainingPassesLeaveManagerUnchanged(m, model, 3,
                        pass -> new NDList(pass.randomNormal(new Shape(4, 3, 8, 8))), withBn ? "QatConvBn" : "QatLayer");
                float g = BlockTree.parameters(model).get(withBn ? "1.0.0.conv.weight" : "fc.weight").getArray()
                        .getGradient().abs().sum().getFloat();
                assertTrue(g > 0, "the weights still get gradients: " + g);
            }
        }
    }

    @Test
    void frozenActivationRangesStayPutInTrainingAndAreTheConvertedOnes() {
        for (boolean freeze : new boolean[] {false, true}) {
            try (NDManager m = NDManager.newBaseManager()) {
                Block model = qatNet(m, 31);
                Qat qat = Qat.prepare(model, QConfig.fbgemmQat());
                ParameterStore ps = new ParameterStore(m, false);
                NDArray x = m.randomNormal(new Shape(16, 3, 8, 8));
                IllegalStateException early = assertThrows(IllegalStateException.class, qat::freezeActivationRanges);
                assertTrue(early.getMessage().contains("'quant'"), early.getMessage());
                model.forward(ps, new NDList(x), true);
                if (freeze) {
                    qat.freezeActivationRanges();
                    assertTrue(qat.activationRangesFrozen());
                }
                Map<String, QParams> before = snapshot(qat);
                for (int step = 0; step < 10; step++) { // inputs ten times wider than the ones the ranges came from
                    model.forward(ps, new NDList(x.mul(10)), true);
                }
                Map<String, QParams> after = snapshot(qat);
                float s0 = before.get("quant").scale()[0];
                float s1 = after.get("quant").scale()[0];
                if (freeze) {
                    assertEquals(s0, s1, 0f, "a frozen range does not move");
                    qat.convert();
                    before.forEach((path, qp) -> {
                        assertArrayEquals(qp.scale(), qat.state().activationQParams().get(path).scale(), 0f, path);
                        assertArrayEquals(qp.zeroPoint(), qat.state().activationQParams().get(path).zeroPoint(), path);
                    });
                    assertThrows(IllegalStateException.class, () -> qat.calibrate(x));
                } else {
                    assertTrue(s1 > 1.5f * s0, "moving-average ranges follow wider inputs: " + s0 + " -> " + s1);
                }
            }
        }
    }

    @Test
    void calibrateGivesPtqsActivationRangesWithoutFakeQuantizing() {
        try (NDManager m = NDManager.newBaseManager()) {
            Engine.getInstance().setRandomSeed(43);
            NDArray x = m.randomNormal(new Shape(16, 3, 8, 8), DataType.FLOAT32);
            Block ptqModel = qatNet(m, 41);
            // min/max PTQ observers: a histogram's range search jumps by several percent with small input changes
            QConfig ptqConfig = new QConfig("minmax", () -> MinMaxObserver.builder().reduceRange(true).build(),
                    QConfig.fbgemm().weight());
            Ptq ptq = Ptq.prepare(ptqModel, ptqConfig);
            ptq.calibrate(x);
            ptq.calibrate(x.mul(2));
            ptq.convert();
            Block qatModel = qatNet(m, 41);
            Qat qat = Qat.prepare(qatModel, new QConfig("ptq+qat", ptqConfig.activation(),
                    QConfig.fbgemmQat().weight()));
            qat.calibrate(x);
            qat.calibrate(x.mul(2));
            for (var e : BlockTree.find(qatModel, Observed.class)) {
                assertEquals(Observed.Mode.OBSERVE_AND_FAKE_QUANT, e.getValue().mode(), "mode restored at " + e.getKey());
            }
            qat.freezeActivationRanges();
            Map<String, QParams> fromPtq = ptq.activationQParams();
            Map<String, QParams> frozen = snapshot(qat);
            assertEquals(fromPtq.keySet(), frozen.keySet());
            // the input sees the same data: the same histogram, the same scale and zero point
            assertArrayEquals(fromPtq.get("quant").scale(), frozen.get("quant").scale(), 0f);
            assertArrayEquals(fromPtq.get("quant").zeroPoint(), frozen.get("quant").zeroPoint());
            // deeper layers differ only by QAT's int8-grid weights (activations are not rounded in calibration)
            fromPtq.forEach((path, qp) -> {
                float a = qp.scale()[0];
                float b = frozen.get(path).scale()[0];
                assertEquals(a, b, 0.01 * a, path);
            });
        }
    }

    private static Map<String, QParams> snapshot(Qat qat) {
        Map<String, QParams> out = new java.util.LinkedHashMap<>();
        qat.state().activationObservers().forEach((path, o) -> out.put(path,
                o.qparams() != null ? o.qparams() : o.observer().calculateQParams()));
        return out;
    }
}
