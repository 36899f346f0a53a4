package labkit.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;

import java.util.Arrays;
import labkit.TestFixtures;
import org.junit.jupiter.api.Test;

class ColorJitterTest {

    private static NDArray apply(String op, NDArray x, double factor) {
        switch (op) {
            case "brightness": return ColorJitter.adjustBrightness(x, factor);
            case "contrast": return ColorJitter.adjustContrast(x, factor);
            case "saturation": return ColorJitter.adjustSaturation(x, factor);
            case "hue": return ColorJitter.adjustHue(x, factor);
            default: throw new IllegalArgumentException(op);
        }
    }

    @Test
    void eachAdjustmentMatchesTorchvision() {
        JsonObject fx = TestFixtures.object("augment/color_jitter.json");
        int checked = 0;
        int exactUint8 = 0;
        int uint8Values = 0;
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray img = TestFixtures.image(fx, m);
            NDArray imgF = img.toType(DataType.FLOAT32, false);
            for (JsonElement e : fx.getAsJsonArray("cases")) {
                JsonObject c = e.getAsJsonObject();
                String op = c.get("op").getAsString();
                double factor = c.get("factor").getAsDouble();
                boolean uint8 = c.get("dtype").getAsString().equals("uint8");
                int channels = c.has("channels") ? c.get("channels").getAsInt() : 3;
                float[] expected = TestFixtures.floats(c.getAsJsonArray("expected"));
                NDArray in = uint8 ? img : imgF;
                if (channels == 1) {
                    in = in.get(":, :, 0:1");
                }
                NDArray out = apply(op, in, factor);
                assertEquals(in.getShape(), out.getShape());
                assertEquals(in.getDataType(), out.getDataType());
                float[] got = TestFixtures.values(out);
                String what = op + " " + factor + " " + c.get("dtype").getAsString() + " C=" + channels;
                for (int i = 0; i < got.length; i++) {
                    if (uint8) {
                        assertTrue(Math.abs(got[i] - expected[i]) <= 1, what + " at " + i + ": " + got[i] + " vs " + expected[i]);
                        exactUint8 += got[i] == expected[i] ? 1 : 0;
                        uint8Values++;
                    } else {
                        assertEquals(expected[i], got[i] / 255f, 1e-4, what + " at " + i);
                    }
                }
                checked++;
            }
        }
        assertEquals(2 * (4 + 4 + 4 + 6) + 2, checked);
        // uint8 arithmetic mirrors torch's float32 order step by step: every value agrees exactly (measured), not just within 1
        assertTrue(exactUint8 >= uint8Values * 1.0, exactUint8 + " of " + uint8Values + " uint8 values exact");
    }

    @Test
    void zeroStrengthIsTheIdentity() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomInteger(0, 256, new Shape(8, 7, 3), DataType.INT32).toType(DataType.UINT8, false);
            ColorJitter off = new ColorJitter(0, 0, 0, 0, 1);
            for (int i = 0; i < 3; i++) {
                assertArrayEquals(x.toByteArray(), off.transform(x).toByteArray());
            }
            NDArray f = m.randomUniform(0f, 255f, new Shape(5, 4, 3));
            assertArrayEquals(f.toFloatArray(), off.transform(f).toFloatArray());
            // factor 1 of every functional adjustment is the identity too
            assertArrayEquals(x.toByteArray(), ColorJitter.adjustBrightness(x, 1).toByteArray());
            assertArrayEquals(x.toByteArray(), ColorJitter.adjustContrast(x, 1).toByteArray());
            assertArrayEquals(x.toByteArray(), ColorJitter.adjustSaturation(x, 1).toByteArray());
        }
    }

    @Test
    void sameSeedSameOutputDifferentSeedDifferent() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.randomInteger(0, 256, new Shape(16, 16, 3), DataType.INT32).toType(DataType.UINT8, false);
            byte[] a = new ColorJitter(0.4, 0.4, 0.4, 0.1, 5).transform(x).toByteArray();
            byte[] b = new ColorJitter(0.4, 0.4, 0.4, 0.1, 5).transform(x).toByteArray();
            byte[] c = new ColorJitter(0.4, 0.4, 0.4, 0.1, 6).transform(x).toByteArray();
            assertArrayEquals(a, b);
            assertFalse(Arrays.equals(a, c));
            ColorJitter j = new ColorJitter(0.4, 0.4, 0.4, 0.1);
            j.reseed(5);
            assertArrayEquals(a, j.transform(x).toByteArray());
        }
    }

    @Test
    void badArgumentsNameTheArgument() {
        assertMessage(() -> new ColorJitter(-0.1, 0, 0, 0), "brightness");
        assertMessage(() -> new ColorJitter(0, -1, 0, 0), "contrast");
        assertMessage(() -> new ColorJitter(0, 0, Double.NaN, 0), "saturation");
        assertMessage(() -> new ColorJitter(0, 0, 0, 0.6), "hue");
        assertMessage(() -> new ColorJitter(0, 0, 0, -0.1), "hue");
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray chw = m.zeros(new Shape(3, 8, 8));
            assertMessage(() -> new ColorJitter(0.1, 0, 0, 0).transform(chw), "before ToTensor");
            assertMessage(() -> new ColorJitter(0.1, 0, 0, 0).transform(m.zeros(new Shape(8, 8))), "H×W×C");
            assertMessage(() -> new ColorJitter(0.1, 0, 0, 0).transform(m.zeros(new Shape(8, 8, 2))), "C = 1 or 3");
            assertMessage(() -> ColorJitter.adjustHue(m.zeros(new Shape(2, 2, 3)), 0.7), "factor");
            assertMessage(() -> ColorJitter.adjustBrightness(m.zeros(new Shape(2, 2, 3), DataType.FLOAT64), 1),
                    "float32");
        }
    }

    static void assertMessage(Runnable r, String part) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertTrue(e.getMessage().contains(part), "message '" + e.getMessage() + "' should mention " + part);
    }
}
