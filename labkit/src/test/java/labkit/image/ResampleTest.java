package labkit.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import labkit.TestFixtures;
import org.junit.jupiter.api.Test;

class ResampleTest {

    @Test
    void matchesTorchAntialiasedBilinear() throws Exception {
        for (JsonElement e : TestFixtures.json("depth/resize.json").getAsJsonArray()) {
            JsonObject c = e.getAsJsonObject();
            int h = c.get("h").getAsInt(), w = c.get("w").getAsInt();
            int oh = c.get("out_h").getAsInt(), ow = c.get("out_w").getAsInt();
            float[] expected = TestFixtures.floats(c.get("output"));
            float[] got = Resample.bilinear(TestFixtures.floats(c.get("input")), 1, h, w, oh, ow);
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], got[i], 2e-6, h + "x" + w + " → " + oh + "x" + ow + " at " + i);
            }
        }
    }

    @Test
    void keepsConstantsAndChecksSizes() {
        float[] ones = new float[2 * 30 * 40];
        java.util.Arrays.fill(ones, 0.25f);
        for (float v : Resample.bilinear(ones, 2, 30, 40, 7, 9)) {
            assertEquals(0.25f, v, 1e-6);
        }
        assertThrows(IllegalArgumentException.class, () -> Resample.bilinear(new float[10], 1, 3, 4, 2, 2));
    }
}
