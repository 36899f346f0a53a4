package labkit.image;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import labkit.TestFixtures;
import org.junit.jupiter.api.Test;

class YCbCrTest {

    @Test
    void matchesPilWithinRounding() {
        JsonObject f = TestFixtures.section("segsr/segsr.json", "ycbcr");
        JsonArray rgb = f.getAsJsonArray("rgb");
        JsonArray ref = f.getAsJsonArray("ycbcr");
        try (NDManager m = NDManager.newBaseManager()) {
            float[] px = new float[rgb.size() * 3];
            for (int i = 0; i < rgb.size(); i++) {
                for (int c = 0; c < 3; c++) {
                    px[i * 3 + c] = rgb.get(i).getAsJsonArray().get(c).getAsFloat();
                }
            }
            NDArray img = m.create(px, new Shape(1, rgb.size(), 3)).toType(DataType.UINT8, false);
            float[] got = YCbCr.fromRgb(img, -1, YCbCr.Range.UINT8).toFloatArray();
            float[] y = YCbCr.y(img, -1).toFloatArray();
            for (int i = 0; i < rgb.size(); i++) {
                for (int c = 0; c < 3; c++) {
                    float want = ref.get(i).getAsJsonArray().get(c).getAsFloat();
                    // PIL clips to 0..255 and rounds in fixed point
                    assertEquals(want, Math.max(0, Math.min(255, Math.round(got[i * 3 + c]))), 1f, "pixel " + i + " ch " + c);
                }
                assertEquals(got[i * 3], y[i], 1e-4f);
            }
        }
    }

    @Test
    void roundTripWithinOneLevel() {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(3);
            NDArray x = m.randomUniform(0f, 1f, new Shape(2, 3, 8, 9));
            NDArray back = YCbCr.toRgb(YCbCr.fromRgb(x, 1, YCbCr.Range.UNIT), 1, YCbCr.Range.UNIT);
            assertTrue(back.sub(x).abs().max().getFloat() < 1f / 255, "round trip error");
            NDArray x255 = x.mul(255f);
            NDArray back255 = YCbCr.toRgb(YCbCr.fromRgb(x255, 1, YCbCr.Range.UINT8), 1, YCbCr.Range.UINT8);
            assertTrue(back255.sub(x255).abs().max().getFloat() < 1f, "round trip error on 0..255");
            assertEquals(new Shape(2, 1, 8, 9), YCbCr.y(x, 1).getShape());
            assertThrows(IllegalArgumentException.class, () -> YCbCr.y(m.zeros(new Shape(4, 4, 4)), -1));
        }
    }
}
