package labkit.augment;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/** Reads the torchvision fixtures made by {@code src/test/python/make_augment_fixtures.py}. */
final class Fixtures {
    private Fixtures() {}

    static JsonObject load(String name) {
        String path = "/fixtures/augment/" + name;
        try (InputStream in = Fixtures.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource " + path + "; run make_augment_fixtures.py");
            }
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static float[] floats(JsonArray a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = a.get(i).getAsFloat();
        }
        return f;
    }

    static Shape shape(JsonObject fixture) {
        JsonArray s = fixture.getAsJsonArray("shape");
        return new Shape(s.get(0).getAsLong(), s.get(1).getAsLong(), s.get(2).getAsLong());
    }

    /** The fixture's image as a uint8 H×W×C array. */
    static NDArray image(JsonObject fixture, NDManager m) {
        return uint8(floats(fixture.getAsJsonArray("image")), shape(fixture), m);
    }

    static NDArray uint8(float[] values, Shape shape, NDManager m) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (int) values[i];
        }
        return m.create(ByteBuffer.wrap(b), shape, DataType.UINT8);
    }

    /** Values of a uint8 or float32 array as floats. */
    static float[] values(NDArray x) {
        if (x.getDataType() == DataType.UINT8) {
            byte[] b = x.toByteArray();
            float[] f = new float[b.length];
            for (int i = 0; i < b.length; i++) {
                f[i] = b[i] & 0xFF;
            }
            return f;
        }
        return x.toFloatArray();
    }
}
