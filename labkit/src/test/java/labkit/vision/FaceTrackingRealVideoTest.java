package labkit.vision;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/**
 * The face cropper on a real face video: an H.264 pan/zoom over scikit-image's astronaut photo (made by
 * {@code datasets/faces/make-astronaut-pan-zoom.py}), where the biggest cascade box is often not the face (the
 * first version saved a false box in 16 of the 120 frames). The face's place in every frame is known from the
 * photo window the frame shows.
 */
class FaceTrackingRealVideoTest {
    /** The face box in the 512×512 photo (x, y, side), as the frontal-face cascade finds it on the still. */
    static final double FACE_X = 177, FACE_Y = 67, FACE_SIDE = 93;
    static final int FRAME = 320;

    @TempDir Path tmp;

    private Path resource(String name) throws IOException {
        Path p = tmp.resolve(name);
        try (InputStream in = getClass().getResourceAsStream(name)) {
            assertNotNull(in, "test resource labkit/vision/" + name + " missing");
            Files.copy(in, p);
        }
        return p;
    }

    @Test
    void oneCropPerFrameCentredOnTheFace() throws IOException {
        Path video = resource("astronaut-pan-zoom.mp4");
        List<double[]> windows = new ArrayList<>();
        for (String line : Files.readAllLines(resource("astronaut-pan-zoom.csv"))) {
            if (!line.startsWith("frame")) {
                String[] f = line.split(",");
                windows.add(new double[] {Double.parseDouble(f[1]), Double.parseDouble(f[2]), Double.parseDouble(f[3])});
            }
        }
        assertEquals(120, windows.size());
        Table t = FaceCrops.builder().size(64).build().extract(video, tmp.resolve("crops"));
        int[] rowsPerFrame = new int[windows.size()];
        int centred = 0;
        StringBuilder misses = new StringBuilder();
        for (int i = 0; i < t.rowCount(); i++) {
            int frame = t.intColumn("frame").get(i);
            rowsPerFrame[frame]++;
            double[] w = windows.get(frame);
            double s = FRAME / w[2];
            double tx = (FACE_X + FACE_SIDE / 2 - w[0]) * s;
            double ty = (FACE_Y + FACE_SIDE / 2 - w[1]) * s;
            double side = FACE_SIDE * s;
            double cx = t.intColumn("x").get(i) + t.intColumn("width").get(i) / 2.0;
            double cy = t.intColumn("y").get(i) + t.intColumn("height").get(i) / 2.0;
            if (Math.hypot(cx - tx, cy - ty) <= 0.25 * side) {
                centred++;
            } else {
                misses.append(String.format(" frame %d: centre (%.0f, %.0f), face at (%.0f, %.0f) side %.0f [%s];",
                        frame, cx, cy, tx, ty, side, t.stringColumn("source").get(i)));
            }
        }
        for (int f = 0; f < rowsPerFrame.length; f++) {
            assertEquals(1, rowsPerFrame[f], "frame " + f + " must have exactly one crop");
        }
        assertTrue(centred >= 0.99 * windows.size(), centred + " of " + windows.size()
                + " crops centred on the face (within a quarter face); misses:" + misses);
        assertTrue(Files.isRegularFile(tmp.resolve("crops").resolve(FaceCrops.cropName(119, 0))));
    }

    @Test
    void yunetWithoutItsModelFileSaysWhichFileAndWhere() {
        Path missing = tmp.resolve(FaceDetector.YUNET_FILE);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FaceDetector.yunet(missing));
        assertTrue(e.getMessage().contains(missing.toString()) && e.getMessage().contains(FaceDetector.YUNET_URL),
                e.getMessage());
        assertFalse(FaceDetector.best(missing).isDnn(), "without the model file the cascade is used");
    }

    @Test
    void cascadeScoresComeWithTheBoxes() throws IOException {
        labkit.image.OpenCv.load();
        Path still = Path.of("/usr/lib/python3/dist-packages/skimage/data/astronaut.png");
        org.opencv.core.Mat img = Files.isRegularFile(still)
                ? org.opencv.imgcodecs.Imgcodecs.imread(still.toString()) : null;
        org.junit.jupiter.api.Assumptions.assumeTrue(img != null && !img.empty(),
                "scikit-image's astronaut.png not installed (Debian python3-skimage)");
        List<FaceDetector.Detection> d = FaceDetector.frontalFace().detectScored(img);
        assertFalse(d.isEmpty());
        FaceDetector.Box b = d.get(0).box();
        assertEquals(FACE_X + FACE_SIDE / 2, b.x() + b.width() / 2.0, 10, "most confident box is the face: " + d);
        assertEquals(FACE_Y + FACE_SIDE / 2, b.y() + b.height() / 2.0, 10, "most confident box is the face: " + d);
        for (int i = 1; i < d.size(); i++) {
            assertTrue(d.get(i - 1).confidence() >= d.get(i).confidence(), "sorted by confidence: " + d);
        }
    }
}
