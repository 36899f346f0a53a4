package labkit.weights;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import labkit.TestFixtures;
import labkit.image.Images;
import labkit.models.EfficientNetB0;
import labkit.models.MobileNetV2;
import labkit.models.ResNet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 10 end to end: {@code PretrainedWeights.X.predict(model, picture, 5)} gives torchvision's top-5 for the
 * full-size MobileNetV2, EfficientNet-B0 and ResNet-18 — the weights' own preprocessing (torchvision 0.14's
 * {@code weights.transforms()} on a PIL image), the forward, the softmax and the ImageNet class names. The real
 * weight files cannot be downloaded here, so the networks carry closed-formula weights ({@link FormulaWeights},
 * with a per-model gain that makes the logits depend on the picture); references from make_top5_fixtures.py.
 *
 * <p>Tolerances. The preprocessed tensor is compared bit for bit (SHA-256 of the uint8 crop and of the float32
 * tensor): labkit resizes with Pillow's integer algorithm ({@link PilResize}). The logits come from float32
 * forwards in two PyTorch builds (1.13 there, 2.7.1 under DJL here); torch's own float32 logits are at most 8e-5
 * from a float64 forward of the same networks (recorded in the fixture), so the logits are held to
 * {@link #LOGIT_TOL} = 1e-3. A softmax probability p = exp(z - logsumexp(z)) then moves by at most
 * 2 × 1e-3 relative, so probabilities are held to {@link #PROB_RTOL} = 2e-3 relative. The smallest gap between
 * consecutive top-6 logits in the fixture is 1.7e-3, so the order is decided, not a coin toss.
 */
class Top5Test {
    static final double LOGIT_TOL = 1e-3;
    static final double PROB_RTOL = 2e-3;

    private static JsonObject ref;

    @BeforeAll
    static void load() throws IOException {
        ref = TestFixtures.object("weights/top5/top5.json");
    }

    private static List<JsonObject> pictures() {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : ref.getAsJsonArray("pictures")) {
            out.add(e.getAsJsonObject());
        }
        return out;
    }

    private static BufferedImage image(JsonObject picture) throws IOException {
        BufferedImage img = Images.readBufferedImage(TestFixtures.path("weights/top5/" + picture.get("file").getAsString()));
        assertEquals(picture.get("width").getAsInt(), img.getWidth());
        assertEquals(picture.get("height").getAsInt(), img.getHeight());
        return img;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] littleEndian(float[] v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(v);
        return b.array();
    }

    @Test
    void preprocessingIsTorchvisionsBitForBit() throws IOException {
        int step = ref.get("subsample").getAsInt();
        int checked = 0;
        for (JsonObject picture : pictures()) {
            BufferedImage img = image(picture);
            for (String interp : picture.getAsJsonObject("crops").keySet()) {
                JsonObject want = picture.getAsJsonObject("crops").getAsJsonObject(interp);
                ImagePreprocessing pre = ImagePreprocessing.imagenet(256, 224, interp.equals("bicubic"));
                String what = picture.get("file").getAsString() + " " + interp;
                try (NDManager m = NDManager.newBaseManager()) {
                    NDArray hwc = Images.fromBufferedImage(img, m);
                    NDArray crop = pre.crop(hwc, m);
                    assertEquals(new Shape(224, 224, 3), crop.getShape());
                    byte[] got = crop.toByteArray();
                    // the subsample says how far off a mismatch is; the hash covers every pixel
                    byte[] sub = Base64.getDecoder().decode(want.get("sub_b64").getAsString());
                    int n = 224 / step;
                    int maxDiff = 0;
                    for (int y = 0; y < n; y++) {
                        for (int x = 0; x < n; x++) {
                            for (int c = 0; c < 3; c++) {
                                int d = (got[((y * step) * 224 + x * step) * 3 + c] & 0xff)
                                        - (sub[(y * n + x) * 3 + c] & 0xff);
                                maxDiff = Math.max(maxDiff, Math.abs(d));
                            }
                        }
                    }
                    assertEquals(0, maxDiff, what + ": grey levels off torchvision's crop (every " + step + "th pixel)");
                    assertEquals(want.get("sha256").getAsString(), sha256(got), what + ": the whole uint8 crop");
                    float[] x = pre.apply(hwc, m).toFloatArray();
                    assertEquals(3 * 224 * 224, x.length);
                    assertEquals(want.get("tensor_sha256").getAsString(), sha256(littleEndian(x)),
                            what + ": the float32 tensor after ToTensor and Normalize");
                    int plane = 224 * 224;
                    for (int c = 0; c < 3; c++) {
                        double sum = 0;
                        double sumSq = 0;
                        for (int i = 0; i < plane; i++) {
                            sum += x[c * plane + i];
                            sumSq += (double) x[c * plane + i] * x[c * plane + i];
                        }
                        assertEquals(want.getAsJsonArray("tensor_sum").get(c).getAsDouble(), sum, 1e-6, what);
                        assertEquals(want.getAsJsonArray("tensor_sumsq").get(c).getAsDouble(), sumSq, 1e-6, what);
                    }
                }
                checked++;
            }
        }
        assertEquals(4, checked, "two pictures (one enlarged, one shrunk) × bilinear and bicubic");
    }

    @Test
    void resizeIsPillowsForEveryDirection() {
        // shrinking, enlarging and keeping each axis (the single-axis passes included), both filters
        JsonObject r = ref.getAsJsonObject("pil_resize");
        byte[] src = Base64.getDecoder().decode(r.get("rgb_b64").getAsString());
        int h = r.get("height").getAsInt();
        int w = r.get("width").getAsInt();
        int n = 0;
        for (JsonElement e : r.getAsJsonArray("cases")) {
            JsonObject c = e.getAsJsonObject();
            int oh = c.get("height").getAsInt();
            int ow = c.get("width").getAsInt();
            boolean bicubic = c.get("bicubic").getAsBoolean();
            byte[] got = PilResize.resize(src, h, w, oh, ow, bicubic);
            assertArrayEquals(Base64.getDecoder().decode(c.get("rgb_b64").getAsString()), got,
                    w + "×" + h + " → " + ow + "×" + oh + (bicubic ? " bicubic" : " bilinear"));
            n++;
        }
        assertEquals(12, n);
        assertThrows(IllegalArgumentException.class, () -> PilResize.resize(src, h, w + 1, 4, 4, false));
    }

    @Test
    void mobileNetV2PredictsTorchvisionsTop5() throws IOException {
        predictsTorchvisionsTop5(PretrainedWeights.MOBILENET_V2, MobileNetV2.builder().build(), "mobilenet_v2");
    }

    @Test
    void efficientNetB0PredictsTorchvisionsTop5() throws IOException {
        predictsTorchvisionsTop5(PretrainedWeights.EFFICIENTNET_B0, EfficientNetB0.create(1000), "efficientnet_b0");
    }

    @Test
    void resNet18PredictsTorchvisionsTop5() throws IOException {
        predictsTorchvisionsTop5(PretrainedWeights.RESNET18, ResNet.resnet18(1000), "resnet18");
    }

    /**
     * Loads the formula weights strictly into the full-size {@code model}; for each picture, predict's top-5 must
     * be torchvision's (indices in order, names, probabilities) and the logits behind it within LOGIT_TOL. The
     * same picture preprocessed with the other interpolation must give a different answer, so the comparison
     * does see a wrong preprocessing.
     */
    private static void predictsTorchvisionsTop5(PretrainedWeights w, Block model, String name) throws IOException {
        List<List<Integer>> tops = new ArrayList<>();
        try (NDManager m = NDManager.newBaseManager()) {
            model.initialize(m, DataType.FLOAT32, new Shape(1, 3, 224, 224));
            double gain = pictures().get(0).getAsJsonObject("models").getAsJsonObject(name).get("gain").getAsDouble();
            StateDict sd = new StateDict();
            PretrainedWeightsTest.keyList(name).forEach((k, s) -> sd.put(k, FormulaWeights.tensor(k, s, gain)));
            LoadReport report = w.mapper().apply(model, sd, name + " (formula, gain " + gain + ")");
            assertTrue(report.ok(), report.toString());
            for (JsonObject picture : pictures()) {
                JsonObject want = picture.getAsJsonObject("models").getAsJsonObject(name);
                String what = name + " on " + picture.get("file").getAsString();
                assertEquals(gain, want.get("gain").getAsDouble(), what);
                ImagePreprocessing pre = w.preprocessing();
                assertEquals(want.get("resize").getAsInt(), pre.resizeSize(), what);
                assertEquals(want.get("crop").getAsInt(), pre.cropSize(), what);
                assertEquals(want.get("interpolation").getAsString(), pre.bicubic() ? "bicubic" : "bilinear", what);
                assertArrayEquals(TestFixtures.floats(want, "mean"), pre.mean(), what);
                assertArrayEquals(TestFixtures.floats(want, "std"), pre.std(), what);
                BufferedImage img = image(picture);

                List<Prediction> top = w.predict(model, img, 5);
                List<Integer> wantIdx = new ArrayList<>();
                want.getAsJsonArray("top5").forEach(e -> wantIdx.add(e.getAsInt()));
                assertEquals(wantIdx, top.stream().map(Prediction::index).toList(), what + ": " + top);
                float[] probs = TestFixtures.floats(want, "top5_probs");
                for (int i = 0; i < 5; i++) {
                    assertEquals(want.getAsJsonArray("top5_names").get(i).getAsString(), top.get(i).label(), what);
                    assertEquals(probs[i], top.get(i).probability(), PROB_RTOL * probs[i], what + " p[" + i + "]");
                }
                tops.add(wantIdx);

                // the logits behind it: the top 6 and the softmax normalizer
                try (NDManager sub = m.newSubManager()) {
                    NDArray x = pre.apply(img, sub).expandDims(0);
                    float[] z = model.forward(new ParameterStore(sub, false), new NDList(x), false).head()
                            .toFloatArray();
                    float[] top6 = TestFixtures.floats(want, "top6_logits");
                    List<Integer> order = java.util.stream.IntStream.range(0, z.length).boxed()
                            .sorted((a, b) -> Float.compare(z[b], z[a])).limit(6).toList();
                    double maxLogit = 0;
                    for (int i = 0; i < 6; i++) {
                        maxLogit = Math.max(maxLogit, Math.abs(z[order.get(i)] - top6[i]));
                    }
                    double mx = Double.NEGATIVE_INFINITY;
                    for (float v : z) {
                        mx = Math.max(mx, v);
                    }
                    double s = 0;
                    for (float v : z) {
                        s += Math.exp(v - mx);
                    }
                    double lse = mx + Math.log(s);
                    double lseDiff = Math.abs(lse - want.get("logsumexp").getAsDouble());
                    double maxProb = 0;
                    for (int i = 0; i < 5; i++) {
                        maxProb = Math.max(maxProb, Math.abs(top.get(i).probability() - probs[i]) / probs[i]);
                    }
                    System.out.printf("Top5Test %s: top-6 logits max |diff| %.2g, logsumexp |diff| %.2g, "
                            + "top-5 probabilities max relative diff %.2g%n", what, maxLogit, lseDiff, maxProb);
                    assertTrue(maxLogit <= LOGIT_TOL, what + ": top-6 logits off by " + maxLogit);
                    assertTrue(lseDiff <= LOGIT_TOL, what + ": logsumexp off by " + lseDiff);
                }

                // a wrong interpolation is seen: the other filter moves the answer beyond the tolerances
                PretrainedWeights wrong = new PretrainedWeights(w.name(), w.file(), ImagePreprocessing.imagenet(
                        pre.resizeSize(), pre.cropSize(), !pre.bicubic()), w.bnEps(), w.bnMomentum(), w.top1());
                List<Prediction> off = wrong.predict(model, img, 5);
                boolean differs = !off.stream().map(Prediction::index).toList().equals(wantIdx);
                for (int i = 0; i < 5 && !differs; i++) {
                    differs = Math.abs(off.get(i).probability() - probs[i]) > PROB_RTOL * probs[i];
                }
                assertTrue(differs, what + ": the other interpolation should change the top-5, got " + off);
            }
        }
        assertNotEquals(tops.get(0), tops.get(1), name + ": the two pictures give different top-5 lists");
    }
}
