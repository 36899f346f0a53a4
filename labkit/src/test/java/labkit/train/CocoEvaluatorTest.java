package labkit.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import labkit.boxes.BoxAnnotation;
import labkit.data.CocoAnnotations;
import labkit.boxes.Detection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** COCO mAP against hand-worked cases and pycocotools' numbers (make_coco_map_fixtures.py). */
class CocoEvaluatorTest {

    private static BoxAnnotation gt(long id, long img, int cat, double x, double y, double w, double h) {
        return new BoxAnnotation(id, img, cat, x, y, w, h, w * h, false);
    }

    @Test
    void perfectDetectionsScoreOneAndMissingAreaRangesAreMinusOne() {
        List<BoxAnnotation> g = List.of(gt(1, 1, 1, 10, 10, 50, 50), gt(2, 1, 2, 100, 100, 40, 40));
        List<Detection> d = List.of(new Detection(1, 1, 10, 10, 50, 50, 0.9), new Detection(1, 2, 100, 100, 40, 40,
                0.8));
        CocoEvaluator.Metrics m = CocoEvaluator.evaluate(g, d, Set.of(1L), Set.of(1, 2));
        assertEquals(1.0, m.ap(), 1e-12);
        assertEquals(1.0, m.apMedium(), 1e-12);
        assertEquals(-1, m.apSmall(), "no small objects: COCO reports -1");
        assertEquals(-1, m.apLarge());
        assertEquals(1.0, m.ar1(), 1e-12, "one detection per image and category suffices");
    }

    /**
     * Worked by hand: one object, a false positive scored above the true one. Precision at recall 1 is 1/2 and
     * is carried back to recall 0 (monotone envelope), so AP50 = 0.5. A box shifted to IoU 0.6 (x offset 10 of 40
     * gives 30·40 / (2·1600 − 1200) = 0.6) counts at thresholds 0.5, 0.55, 0.6 only: AP = 3/10 · 0.5.
     */
    @Test
    void falsePositiveAboveTheTrueOneHalvesPrecision() {
        List<BoxAnnotation> g = List.of(gt(1, 1, 1, 0, 0, 40, 40));
        List<Detection> d = List.of(new Detection(1, 1, 200, 200, 40, 40, 0.9),
                new Detection(1, 1, 10, 0, 40, 40, 0.8));
        CocoEvaluator.Metrics m = CocoEvaluator.evaluate(g, d, Set.of(1L), Set.of(1));
        assertEquals(0.5, m.ap50(), 1e-12);
        assertEquals(0.0, m.ap75(), 1e-12);
        assertEquals(0.15, m.ap(), 1e-12);
        assertEquals(0.3, m.ar100(), 1e-12, "recall 1 at 3 of 10 thresholds");
        assertEquals(0.0, m.ar1(), 1e-12, "the one allowed detection is the false positive");
    }

    /** A crowd box absorbs detections without counting as a miss or a false positive. */
    @Test
    void crowdRegionsAreIgnored() {
        List<BoxAnnotation> g = List.of(gt(1, 1, 1, 0, 0, 40, 40),
                new BoxAnnotation(2, 1, 1, 100, 100, 100, 100, 10000, true));
        List<Detection> d = List.of(new Detection(1, 1, 110, 110, 30, 30, 0.95),
                new Detection(1, 1, 150, 150, 30, 30, 0.94), new Detection(1, 1, 0, 0, 40, 40, 0.5));
        assertEquals(1.0, CocoEvaluator.evaluate(g, d, Set.of(1L), Set.of(1)).ap(), 1e-12);
    }

    @Test
    void matchesPycocotoolsOnGeneratedSets() throws Exception {
        try (Reader r = new InputStreamReader(getClass().getResourceAsStream("/fixtures/detect/coco_map.json"),
                StandardCharsets.UTF_8)) {
            for (JsonElement e : JsonParser.parseReader(r).getAsJsonArray()) {
                JsonObject c = e.getAsJsonObject();
                CocoAnnotations gt = CocoAnnotations.parse(c.getAsJsonObject("groundTruth"), "fixture");
                List<Detection> dets = CocoAnnotations.parseDetections(c.getAsJsonArray("detections"), "fixture");
                CocoEvaluator.Metrics m = CocoEvaluator.evaluate(gt.annotations(), dets, gt.images().keySet(),
                        gt.categories().keySet());
                double[] expected = new double[12];
                for (int i = 0; i < 12; i++) {
                    expected[i] = c.getAsJsonArray("stats").get(i).getAsDouble();
                }
                // same algorithm in double precision: equal up to summation order
                assertArrayEquals(expected, m.stats(), 1e-12, "seed " + c.get("seed") + " vs pycocotools");
            }
        }
    }

    @Test
    void annotationFileRoundTripsAndBadFilesNameTheProblem(@TempDir Path dir) throws Exception {
        CocoAnnotations a = new CocoAnnotations(java.util.Map.of(1L, "a.png"), java.util.Map.of(1L, new int[] {64, 48}),
                java.util.Map.of(3, "square"), List.of(new BoxAnnotation(7, 1, 3, 1.5, 2, 10, 20, 200, false)));
        a.write(dir.resolve("ann.json"));
        CocoAnnotations b = CocoAnnotations.read(dir.resolve("ann.json"));
        assertEquals(a.annotations(), b.annotations());
        assertEquals(a.categories(), b.categories());
        Files.writeString(dir.resolve("bad.json"), "{\"images\":[{\"id\":1}],\"categories\":[],"
                + "\"annotations\":[{\"id\":5,\"image_id\":1,\"category_id\":1,\"bbox\":[1,2,3]}]}");
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class,
                () -> CocoAnnotations.read(dir.resolve("bad.json")));
        assertEquals(true, ex.getMessage().contains("annotation 5") && ex.getMessage().contains("bad.json"),
                ex.getMessage());
        Files.writeString(dir.resolve("list.json"), "[]");
        assertThrows(IllegalArgumentException.class, () -> CocoAnnotations.read(dir.resolve("list.json")));
    }
}
