package labkit.image;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Issue 25: image files decode to what PIL's {@code convert("RGB")} (torchvision's loader) gives, with the EXIF
 * orientation applied as {@code ImageOps.exif_transpose}, or are refused naming the file where PIL refuses them.
 * Fixtures from {@code make_image_fixtures.py} (Debian's python3-pil 9.4).
 */
class DecodingTest {
    /**
     * PNG is lossless: exact. JPEG: PIL's libjpeg-turbo and the JDK's libjpeg 6b differ in IDCT and colour
     * rounding, so within this many grey levels (quality 95, no chroma subsampling).
     */
    static final int JPEG_LEVELS = 3;

    static Path fixture(String name) throws URISyntaxException {
        return Path.of(DecodingTest.class.getResource("/fixtures/image/" + name).toURI());
    }

    @TestFactory
    Stream<DynamicTest> decodesLikePil() throws IOException {
        JsonArray cases;
        try (Reader r = new InputStreamReader(DecodingTest.class.getResourceAsStream("/fixtures/image/decoded.json"),
                StandardCharsets.UTF_8)) {
            cases = JsonParser.parseReader(r).getAsJsonArray();
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonElement e : cases) {
            JsonObject c = e.getAsJsonObject();
            String file = c.get("file").getAsString();
            tests.add(DynamicTest.dynamicTest(file + ": " + c.get("what").getAsString(), () -> {
                Path path = fixture(file);
                try (NDManager m = NDManager.newBaseManager()) {
                    if (c.has("error")) {
                        IOException ex = assertThrows(IOException.class, () -> Images.read(path, m),
                                "PIL refuses it: " + c.get("error").getAsString());
                        assertTrue(ex.getMessage().contains(path.toAbsolutePath().toString())
                                && ex.getMessage().contains("truncated"), ex.getMessage());
                        return;
                    }
                    NDArray img = Images.read(path, m);
                    int w = c.get("width").getAsInt();
                    int h = c.get("height").getAsInt();
                    assertEquals(new ai.djl.ndarray.types.Shape(h, w, 3), img.getShape(), "H×W×3 as PIL's size");
                    byte[] got = img.toByteArray();
                    JsonArray want = c.getAsJsonArray("rgb");
                    int tolerance = file.endsWith(".jpg") ? JPEG_LEVELS : 0;
                    int worst = 0;
                    int at = -1;
                    for (int i = 0; i < got.length; i++) {
                        int d = Math.abs((got[i] & 0xFF) - want.get(i).getAsInt());
                        if (d > worst) {
                            worst = d;
                            at = i;
                        }
                    }
                    assertTrue(worst <= tolerance, file + ": value " + (at < 0 ? 0 : got[at] & 0xFF) + " vs PIL "
                            + (at < 0 ? 0 : want.get(at).getAsInt()) + " at index " + at + " (pixel " + (at / 3)
                            + "), allowed difference " + tolerance + " levels");
                }
            }));
        }
        return tests.stream();
    }
}
