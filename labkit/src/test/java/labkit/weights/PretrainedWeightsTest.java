package labkit.weights;

import labkit.TestFixtures;
import labkit.io.Downloads;
import labkit.io.RemoteFile;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PretrainedWeightsTest {

    @Test
    void catalogueHasTorchvisionsFilesWithConsistentHashes() {
        for (PretrainedWeights w : PretrainedWeights.all()) {
            RemoteFile f = w.file();
            assertTrue(f.url().startsWith("https://download.pytorch.org/models/"), f.url());
            assertNotNull(f.sha256Prefix(), f.fileName());
            assertTrue(f.sha256() == null || f.sha256().startsWith(f.sha256Prefix()), f.fileName());
            assertEquals(224, w.preprocessing().cropSize());
            assertEquals(1e-5f, w.bnEps());
        }
        assertEquals("mobilenet_v2-b0353104.pth", PretrainedWeights.MOBILENET_V2.file().fileName());
        assertEquals("b0353104", PretrainedWeights.MOBILENET_V2.file().sha256Prefix());
        assertTrue(PretrainedWeights.EFFICIENTNET_B0.preprocessing().bicubic());
        assertEquals(List.of("efficientnet_b0_rwightman-3dd342df.pth"), PretrainedWeights.EFFICIENTNET_B0.file().aliases());
        assertSame(PretrainedWeights.RESNET18, PretrainedWeights.named("resnet18"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PretrainedWeights.named("vgg"));
        assertTrue(e.getMessage().contains("mobilenet_v2"), e.getMessage());
    }

    @Test
    void imagenetClassNamesAreTorchvisions() {
        List<String> n = ImageNetClasses.names();
        assertEquals(1000, n.size());
        assertEquals("tench", n.get(0));
        assertEquals("toilet tissue", n.get(999));
        assertEquals(1000, n.stream().distinct().count(), "torchvision 0.14 names are all distinct");
    }

    @Test
    void topKSortsAndSoftmaxes() {
        try (NDManager m = NDManager.newBaseManager()) {
            float[] z = new float[1000];
            z[7] = 5f;
            z[3] = 4f;
            z[999] = 3f;
            List<Prediction> top = PretrainedWeights.topK(m.create(z, new Shape(1, 1000)), 3);
            assertEquals(List.of(7, 3, 999), top.stream().map(Prediction::index).toList());
            assertEquals("cock", top.get(0).label());
            double denom = Math.exp(5) + Math.exp(4) + Math.exp(3) + 997;
            assertEquals(Math.exp(5) / denom, top.get(0).probability(), 1e-6);
            assertThrows(IllegalArgumentException.class, () -> PretrainedWeights.topK(m.create(new float[10]), 5));
        }
    }

    @Test
    void preprocessingResizesTheShorterSideCropsTheCentreAndNormalizes() {
        try (NDManager m = NDManager.newBaseManager()) {
            // 300 (h) × 400 (w) grey 100, with a white 20×20 square in the exact centre
            byte[] px = new byte[300 * 400 * 3];
            java.util.Arrays.fill(px, (byte) 100);
            for (int y = 140; y < 160; y++) {
                for (int x = 190; x < 210; x++) {
                    for (int c = 0; c < 3; c++) {
                        px[(y * 400 + x) * 3 + c] = (byte) 255;
                    }
                }
            }
            NDArray img = m.create(java.nio.ByteBuffer.wrap(px), new Shape(300, 400, 3), DataType.UINT8);
            NDArray t = ImagePreprocessing.imagenet(256, 224, false).apply(img, m);
            assertEquals(new Shape(3, 224, 224), t.getShape());
            float[] v = t.toFloatArray();
            int plane = 224 * 224;
            for (int c = 0; c < 3; c++) {
                float grey = (100 / 255f - ImagePreprocessing.IMAGENET_MEAN[c]) / ImagePreprocessing.IMAGENET_STD[c];
                float white = (1f - ImagePreprocessing.IMAGENET_MEAN[c]) / ImagePreprocessing.IMAGENET_STD[c];
                assertEquals(grey, v[c * plane], 1e-6f, "corner is background");
                assertEquals(white, v[c * plane + 112 * 224 + 112], 1e-6f, "centre stays the white square");
                // the square scaled by 256/300 is ~17 px wide, centred: 6 px off-centre is still white; its edge
                // (8 px off) is blended by the antialiasing filter to 249, Pillow's value (make_top5_fixtures.py
                // checks labkit's resize against Pillow on real pictures)
                assertEquals(white, v[c * plane + 112 * 224 + 106], 1e-6f);
                float edge = (249 / 255f - ImagePreprocessing.IMAGENET_MEAN[c]) / ImagePreprocessing.IMAGENET_STD[c];
                assertEquals(edge, v[c * plane + 112 * 224 + 104], 1e-6f);
                assertEquals(grey, v[c * plane + 112 * 224 + 90], 1e-6f);
            }
            assertThrows(IllegalArgumentException.class,
                    () -> ImagePreprocessing.imagenet(256, 224, false).apply(m.zeros(new Shape(3, 10, 10)), m));
        }
    }

    @Test
    void loadIntoReadsTheVerifiedFileFromPyTorchsCacheOffline(@TempDir Path dir) throws IOException {
        Path hub = Files.createDirectories(dir.resolve("hub"));
        Path src = TestFixtures.path("weights/tinynet.pth");
        String name = "tinynet-" + Downloads.sha256(src).substring(0, 8) + ".pth";
        Files.copy(src, hub.resolve(name));
        PretrainedWeights w = new PretrainedWeights("tiny", RemoteFile.torchHub("https://example.invalid/" + name,
                null), ImagePreprocessing.imagenet(14, 12, false), 1e-5f, 0.1f, 0);
        Downloads offline = Downloads.builder().cacheDir(dir.resolve("cache")).searchDirs(List.of(hub))
                .offline(true).progress(null).build();
        try (NDManager m = NDManager.newBaseManager()) {
            Block net = WeightMapperTest.tinyNet(1e-5f);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 3, 12, 12));
            LoadReport r = w.loadInto(net, offline);
            assertTrue(r.ok(), r.toString());
            assertTrue(r.summary().contains(name), r.summary());
        }
    }

    /** Full-size torchvision key lists (fixtures/weights/keys): parsed, and their sizes are torchvision's. */
    static Map<String, long[]> keyList(String model) throws IOException {
        Map<String, long[]> out = new LinkedHashMap<>();
        for (String line : Files.readAllLines(TestFixtures.path("weights/keys/" + model + ".txt"))) {
            if (line.startsWith("#") || line.isBlank()) {
                continue;
            }
            String[] kv = line.split("\t", -1);
            long[] shape = kv[1].isEmpty() ? new long[0]
                    : java.util.Arrays.stream(kv[1].split(",")).mapToLong(Long::parseLong).toArray();
            out.put(kv[0], shape);
        }
        return out;
    }

    @Test
    void keyListsCarryTorchvisionsParameterCounts() throws IOException {
        Map<String, Long> expected = Map.of("mobilenet_v2", 3_504_872L, "quantizable_mobilenet_v2", 3_504_872L,
                "efficientnet_b0", 5_288_548L, "resnet18", 11_689_512L, "resnet34", 21_797_672L,
                "resnet50", 25_557_032L);
        for (Map.Entry<String, Long> e : expected.entrySet()) {
            long n = 0;
            for (Map.Entry<String, long[]> k : keyList(e.getKey()).entrySet()) {
                if (!k.getKey().endsWith("running_mean") && !k.getKey().endsWith("running_var")
                        && !k.getKey().endsWith("num_batches_tracked")) {
                    n += TensorData.numel(k.getValue());
                }
            }
            assertEquals(e.getValue(), n, e.getKey());
        }
    }
}
