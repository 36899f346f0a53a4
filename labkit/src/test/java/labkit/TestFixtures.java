package labkit;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The one reader of the reference fixtures under {@code src/test/resources/fixtures/} that the Python scripts in
 * {@code labkit/src/test/python/} write with PyTorch/torchvision: JSON sections, arrays of numbers, tensors, images
 * and fixture files, with an error that names the missing resource and where it comes from.
 */
public final class TestFixtures {
    private TestFixtures() {}

    /** The parsed JSON of {@code fixtures/<resource>}, e.g. {@code "quant/observers.json"}. */
    public static JsonElement json(String resource) {
        String path = "/fixtures/" + resource;
        try (InputStream in = TestFixtures.class.getResourceAsStream(path)) {
            if (in == null) {
                throw missing(resource, null);
            }
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read test resource " + path, e);
        }
    }

    /** {@link #json} of a resource whose top level is an object. */
    public static JsonObject object(String resource) {
        return json(resource).getAsJsonObject();
    }

    /** {@link #json} of a resource whose top level is an array of objects. */
    public static List<JsonObject> objects(String resource) {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : json(resource).getAsJsonArray()) {
            out.add(e.getAsJsonObject());
        }
        return out;
    }

    /** One named section of an object resource. */
    public static JsonObject section(String resource, String name) {
        JsonObject o = object(resource).getAsJsonObject(name);
        if (o == null) {
            throw new IllegalStateException("fixture " + resource + " has no section '" + name + "'");
        }
        return o;
    }

    /** The file of {@code fixtures/<resource>} (for readers that take a path, such as .pth files). */
    public static Path path(String resource) {
        URL url = TestFixtures.class.getResource("/fixtures/" + resource);
        if (url == null) {
            throw missing(resource, null);
        }
        try {
            return Path.of(url.toURI());
        } catch (URISyntaxException e) {
            throw missing(resource, e);
        }
    }

    private static IllegalStateException missing(String resource, Exception cause) {
        return new IllegalStateException("missing test resource /fixtures/" + resource + "; regenerate it with "
                + "/usr/bin/python3 on the labkit/src/test/python/make_*_fixtures.py script that writes it", cause);
    }

    /** A JSON array of numbers as floats. */
    public static float[] floats(JsonElement array) {
        JsonArray a = array.getAsJsonArray();
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsFloat();
        }
        return out;
    }

    /** The array of numbers under {@code key} as floats. */
    public static float[] floats(JsonObject o, String key) {
        return floats(o.get(key));
    }

    /** A JSON array of integers. */
    public static int[] ints(JsonElement array) {
        JsonArray a = array.getAsJsonArray();
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsInt();
        }
        return out;
    }

    /** A JSON array of integers as longs. */
    public static long[] longs(JsonElement array) {
        JsonArray a = array.getAsJsonArray();
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }

    /** The array of integers under {@code key} as longs. */
    public static long[] longs(JsonObject o, String key) {
        return longs(o.get(key));
    }

    /** A JSON array of dimensions as a DJL shape. */
    public static Shape shape(JsonElement dims) {
        return new Shape(longs(dims));
    }

    /** A float32 tensor from an object with {@code shape} and {@code data} arrays. */
    public static NDArray tensor(NDManager m, JsonObject t) {
        return m.create(floats(t.get("data")), shape(t.get("shape")));
    }

    /** True when {@code key} is present and not JSON null. */
    public static boolean has(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull();
    }

    /** An object's {@code image} (values 0..255) with its {@code shape}, as a uint8 H×W×C array. */
    public static NDArray image(JsonObject fixture, NDManager m) {
        return uint8(floats(fixture.get("image")), shape(fixture.get("shape")), m);
    }

    /** Values 0..255 as a uint8 array of {@code shape}. */
    public static NDArray uint8(float[] values, Shape shape, NDManager m) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) (int) values[i];
        }
        return m.create(ByteBuffer.wrap(b), shape, DataType.UINT8);
    }

    /** Values of a uint8 or float32 array as floats. */
    public static float[] values(NDArray x) {
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
