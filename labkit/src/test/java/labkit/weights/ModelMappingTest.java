package labkit.weights;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import labkit.TestFixtures;
import labkit.io.Downloads;
import labkit.models.DepthNet;
import labkit.models.EfficientNetB0;
import labkit.models.MobileNetV2;
import labkit.models.ResNet;
import labkit.nn.BlockTree;
import labkit.tasks.DepthProject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 10: torchvision's MobileNetV2 (and its quantizable variant), EfficientNet-B0 and ResNet-18/34/50 load into
 * the labkit models strictly by name — every key used, every parameter set, shapes and BatchNorm eps/momentum
 * equal — and then give torchvision's eval-mode logits. Reduced models whose weights fit in a fixture come from a
 * .pth; the full-size architectures get weights from {@link FormulaWeights} (see make_mapping_fixtures.py).
 */
class ModelMappingTest {
    private static final float TOL = 1e-4f;

    /** Loads {@code weights} strictly and compares the eval forward on {@code input} with torch's logits. */
    private static float[] loadAndRun(Block model, StateDict weights, WeightMapper mapper, long[] inShape,
            float[] input, String source) {
        try (NDManager m = NDManager.newBaseManager()) {
            model.initialize(m, DataType.FLOAT32, new Shape(inShape));
            LoadReport r = mapper.apply(model, weights, source);
            assertTrue(r.ok(), r.toString());
            assertEquals(BlockTree.parameters(model).size(), r.loaded().size(), "every labkit parameter set");
            assertEquals(weights.size(), r.loaded().size() + r.ignored().size(), "every key used");
            assertTrue(r.ignored().stream().allMatch(k -> k.endsWith("num_batches_tracked")), r.ignored().toString());
            NDArray x = m.create(input, new Shape(inShape));
            return model.forward(new ParameterStore(m, false), new NDList(x), false).head().toFloatArray();
        }
    }

    private static void assertLogits(float[] want, float[] got, String what) {
        assertEquals(want.length, got.length, what);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], got[i], TOL, what + " logit " + i);
        }
    }

    /** A formula fixture: torchvision's keys filled by the formula, loaded into {@code model}, logits compared. */
    private static void formulaMatchesTorch(Block model, String name) throws IOException {
        JsonObject ref = TestFixtures.object("weights/formula_" + name + ".json");
        long[] in = TestFixtures.longs(ref, "input_shape");
        float[] x = FormulaWeights.input(in);
        double sum = 0;
        for (float v : x) {
            sum += v;
        }
        assertEquals(ref.get("input_sum").getAsDouble(), sum, 1e-6, "the Java formula gives torch's input");
        float[] got = loadAndRun(model, FormulaWeights.stateDict(ref), PretrainedWeights.MOBILENET_V2.mapper(), in,
                x, name);
        assertLogits(TestFixtures.floats(ref, "output"), got, name);
    }

    @Test
    void mobileNetV2Width025GivesTorchvisionsLogits() throws IOException {
        JsonObject ref = TestFixtures.object("weights/mobilenet_v2_w025.json");
        float[] got = loadAndRun(MobileNetV2.builder().widthMult(0.25).numClasses(10).build(),
                StateDict.read(TestFixtures.path("weights/mobilenet_v2_w025.pth")), PretrainedWeights.MOBILENET_V2.mapper(),
                TestFixtures.longs(ref, "input_shape"), TestFixtures.floats(ref, "input"), "mobilenet_v2_w025.pth");
        assertLogits(TestFixtures.floats(ref, "output"), got, "mobilenet_v2 w0.25");
    }

    @Test
    void quantizableMobileNetV2Width025GivesTorchvisionsLogits() throws IOException {
        formulaMatchesTorch(MobileNetV2.builder().widthMult(0.25).numClasses(10).quantizable(true).build(),
                "quantizable_mobilenet_v2_w025");
    }

    @Test
    void efficientNetB0GivesTorchvisionsLogits() throws IOException {
        formulaMatchesTorch(EfficientNetB0.create(10), "efficientnet_b0");
    }

    @Test
    void resNet18GivesTorchvisionsLogits() throws IOException {
        formulaMatchesTorch(ResNet.resnet18(7), "resnet18");
    }

    @Test
    void resNet50GivesTorchvisionsLogits() throws IOException {
        formulaMatchesTorch(ResNet.resnet50(7), "resnet50");
    }

    @Test
    void swappingTwoSameShapedTensorsChangesTheLogits() throws IOException {
        // the comparison above would catch a by-position mix-up: two 64×64×3×3 convs swapped move the logits
        JsonObject ref = TestFixtures.object("weights/formula_resnet18.json");
        long[] in = TestFixtures.longs(ref, "input_shape");
        StateDict sd = FormulaWeights.stateDict(ref);
        TensorData a = sd.get("layer1.0.conv1.weight");
        sd.put("layer1.0.conv1.weight", sd.get("layer1.0.conv2.weight")).put("layer1.0.conv2.weight", a);
        float[] got = loadAndRun(ResNet.resnet18(7), sd, PretrainedWeights.RESNET18.mapper(), in,
                FormulaWeights.input(in), "swapped");
        float[] want = TestFixtures.floats(ref, "output");
        double maxDiff = 0;
        for (int i = 0; i < want.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs(want[i] - got[i]));
        }
        assertTrue(maxDiff > 100 * TOL, "swapped weights should change the logits, max diff " + maxDiff);
    }

    private static LoadReport checkKeys(Block model, String keyList, WeightMapper mapper) throws IOException {
        try (NDManager m = NDManager.newBaseManager()) {
            model.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            return mapper.check(model, PretrainedWeightsTest.keyList(keyList), keyList + ".txt");
        }
    }

    @Test
    void everyFullSizeTorchvisionKeyMaps() throws IOException {
        Map<String, Supplier<Block>> models = Map.of(
                "mobilenet_v2", () -> MobileNetV2.builder().build(),
                "quantizable_mobilenet_v2", () -> MobileNetV2.builder().quantizable(true).build(),
                "efficientnet_b0", () -> EfficientNetB0.create(1000),
                "resnet18", () -> ResNet.resnet18(1000),
                "resnet34", () -> ResNet.resnet34(1000),
                "resnet50", () -> ResNet.resnet50(1000));
        for (Map.Entry<String, Supplier<Block>> e : models.entrySet()) {
            Block model = e.getValue().get();
            PretrainedWeights w = PretrainedWeights.named(e.getKey().replace("quantizable_", ""));
            LoadReport r = checkKeys(model, e.getKey(), w.mapper());
            Map<String, long[]> keys = PretrainedWeightsTest.keyList(e.getKey());
            assertTrue(r.ok(), r.toString());
            assertEquals(keys.size(), r.loaded().size() + r.ignored().size(), e.getKey() + ": every key used");
            assertTrue(r.ignored().stream().allMatch(k -> k.endsWith("num_batches_tracked")), e.getKey());
            assertEquals(BlockTree.parameters(model).size(), r.loaded().size(), e.getKey() + ": every parameter set");
        }
    }

    @Test
    void theWrongKeyListIsReportedKeyByKey() throws IOException {
        LoadReport r = checkKeys(ResNet.resnet34(1000), "resnet18", PretrainedWeights.RESNET34.mapper());
        assertFalse(r.ok());
        assertTrue(r.missing().contains("layer1.2.conv1.weight"), r.toString());
        assertTrue(r.unexpected().isEmpty(), r.toString());
        r = checkKeys(ResNet.resnet18(1000), "resnet50", PretrainedWeights.RESNET18.mapper());
        assertTrue(r.unexpected().contains("layer1.0.conv3.weight"), r.toString());
        assertTrue(r.wrongShape().stream().anyMatch(s -> s.startsWith("layer1.0.conv1.weight: file [64, 64, 1, 1]")),
                r.toString());
        assertTrue(r.wrongShape().stream().anyMatch(s -> s.startsWith("fc.weight")), r.toString());
        // the quantizable list is the plain one (no quant/dequant parameters), so either loads either model
        assertTrue(checkKeys(MobileNetV2.builder().build(), "quantizable_mobilenet_v2",
                PretrainedWeights.MOBILENET_V2.mapper()).ok());
        // BatchNorm settings are checked too: torchvision's EfficientNet-B0 uses eps 1e-5, not 1e-3 as B1..B7/V2
        r = checkKeys(EfficientNetB0.create(1000), "efficientnet_b0",
                WeightMapper.builder().batchNorm(1e-3f, 0.1f).build());
        assertFalse(r.batchNorm().isEmpty());
        assertTrue(r.batchNorm().get(0).contains("eps 1.0E-5"), r.batchNorm().get(0));
    }

    @Test
    void aMismatchedFileIsAnErrorListingMissingUnexpectedAndWrongShapes() throws IOException {
        StateDict sd = FormulaWeights.stateDict(TestFixtures.object("weights/formula_resnet18.json")); // 7 classes
        StateDict edited = new StateDict();
        sd.asMap().forEach((k, v) -> {
            if (!k.equals("layer4.1.bn2.running_var")) {
                edited.put(k, v);
            }
        });
        edited.put("layer5.0.conv1.weight", TensorData.of(new float[4], 2, 2));
        try (NDManager m = NDManager.newBaseManager()) {
            ResNet net = ResNet.resnet18(10);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            float[] before = BlockTree.parameters(net).get("conv1.weight").getArray().toFloatArray();
            WeightMismatchException e = assertThrows(WeightMismatchException.class,
                    () -> PretrainedWeights.RESNET18.mapper().apply(net, edited, "edited.pth"));
            String msg = e.getMessage();
            for (String s : List.of("missing", "layer4.1.bn2.running_var", "unexpected", "layer5.0.conv1.weight",
                    "wrong shape", "fc.weight: file [7, 512], model [10, 512]", "edited.pth")) {
                assertTrue(msg.contains(s), "'" + s + "' in:\n" + msg);
            }
            assertArrayEquals(before, BlockTree.parameters(net).get("conv1.weight").getArray().toFloatArray(),
                    "nothing is loaded when the file does not fit");
        }
    }

    @Test
    void depthNetTakesEfficientNetB0ImageNetWeightsForItsBackbone(@TempDir Path dir) throws IOException {
        // the full-size EfficientNet-B0 state dict (1000 classes) as torchvision's key list has it
        StateDict b0 = new StateDict();
        PretrainedWeightsTest.keyList("efficientnet_b0").forEach((k, s) -> b0.put(k, FormulaWeights.tensor(k, s)));
        try (NDManager m = NDManager.newBaseManager()) {
            DepthNet net = DepthNet.builder().width(16).repeats(1).headWidth(16).build();
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 64, 64));
            Map<String, Parameter> all = BlockTree.parameters(net);
            String bifpnKey = all.keySet().stream().filter(k -> k.startsWith("bifpn.")).findFirst().orElseThrow();
            float[] bifpnBefore = all.get(bifpnKey).getArray().toFloatArray();
            LoadReport r = PretrainedWeights.EFFICIENTNET_B0.mapper("features.", DepthProject.BACKBONE_SKIP)
                    .apply(net.features(), b0, "efficientnet_b0");
            assertTrue(r.ok(), r.toString());
            Map<String, Parameter> features = BlockTree.parameters(net.features());
            assertEquals(features.size(), r.loaded().size());
            assertTrue(r.ignored().contains("classifier.1.weight") && r.ignored().contains("features.8.0.weight")
                    && r.ignored().contains("features.8.1.running_var"), r.ignored().toString());
            assertEquals(b0.size(), r.loaded().size() + r.ignored().size(), "every key loaded or deliberately ignored");
            for (Map.Entry<String, Parameter> e : features.entrySet()) {
                assertArrayEquals(b0.get("features." + e.getKey()).toFloatArray(),
                        all.get("features." + e.getKey()).getArray().toFloatArray(), e.getKey());
            }
            assertArrayEquals(bifpnBefore, all.get(bifpnKey).getArray().toFloatArray(), "BiFPN untouched");
            // the download path: offline with empty caches is a clear error naming the file
            Downloads offline = Downloads.builder().cacheDir(dir.resolve("cache")).searchDirs(List.of(dir))
                    .offline(true).progress(null).build();
            IOException e = assertThrows(IOException.class, () -> DepthProject.loadPretrainedBackbone(net, offline));
            assertTrue(e.getMessage().contains("efficientnet_b0_rwightman-7f5810bc.pth"), e.getMessage());
        }
    }

    @Test
    void depthStudyStartsEveryRunFromAPretrainedBackboneFile(@TempDir Path dir) throws IOException {
        StateDict b0 = new StateDict();
        PretrainedWeightsTest.keyList("efficientnet_b0").forEach((k, s) -> b0.put(k, FormulaWeights.tensor(k, s)));
        Path pth = dir.resolve("my_efficientnet_b0.pth");
        TorchFile.write(b0, pth);
        Path data = labkit.data.synthetic.DepthScenes.builder().trainScenes(2).framesPerScene(2).testImages(2)
                .size(64, 48).seed(1).write(dir.resolve("nyu"));
        // a negligible learning rate and no weight decay: the trained convolutions must still be the file's
        DepthProject.Study study = DepthProject.study(data).lrs(1e-12).weightDecay(0).augmentationRun(false).epochs(1)
                .batchSize(2).imageSize(64).model(16, 1).trainImages(4).valFraction(0.25).progress(false)
                .backboneWeights(pth).build();
        try (DepthProject.Results r = study.run()) {
            assertTrue(study.backboneReport().ok(), study.backboneReport().toString());
            Map<String, Parameter> features = BlockTree.parameters(((DepthNet) r.model("lr 1e-12").getBlock()).features());
            assertEquals(features.size(), study.backboneReport().loaded().size());
            int convs = 0;
            for (Map.Entry<String, Parameter> e : features.entrySet()) {
                if (e.getKey().endsWith(".weight") && e.getValue().getArray().getShape().dimension() == 4) {
                    assertArrayEquals(b0.get("features." + e.getKey()).toFloatArray(),
                            e.getValue().getArray().toFloatArray(), 1e-6f, e.getKey());
                    convs++;
                }
            }
            assertTrue(convs > 50, "conv weights checked: " + convs);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DepthProject.study(data)
                .lrs(1e-3).augmentationRun(false).epochs(1).batchSize(2).imageSize(64).model(16, 1).trainImages(4)
                .progress(false).backboneWeights(dir.resolve("missing.pth")).build().run());
        assertTrue(e.getMessage().contains("missing.pth"), e.getMessage());
    }
}
