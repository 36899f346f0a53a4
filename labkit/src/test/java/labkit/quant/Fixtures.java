package labkit.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Reads the torch-made JSON fixtures under {@code fixtures/quant/} (see make_quant_fixtures.py). */
final class Fixtures {
    private Fixtures() {}

    static List<JsonObject> load(String name) {
        try (Reader r = new InputStreamReader(
                Fixtures.class.getResourceAsStream("/fixtures/quant/" + name), StandardCharsets.UTF_8)) {
            List<JsonObject> out = new ArrayList<>();
            for (JsonElement e : JsonParser.parseReader(r).getAsJsonArray()) {
                out.add(e.getAsJsonObject());
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException("cannot read fixture " + name
                    + " (regenerate with labkit/src/test/python/make_quant_fixtures.py)", e);
        }
    }

    static JsonObject loadObject(String name) {
        try (Reader r = new InputStreamReader(
                Fixtures.class.getResourceAsStream("/fixtures/quant/" + name), StandardCharsets.UTF_8)) {
            return JsonParser.parseReader(r).getAsJsonObject();
        } catch (Exception e) {
            throw new IllegalStateException("cannot read fixture " + name
                    + " (regenerate with labkit/src/test/python/make_quant_fixtures.py)", e);
        }
    }

    static float[] floats(JsonElement a) {
        JsonArray arr = a.getAsJsonArray();
        float[] f = new float[arr.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (float) arr.get(i).getAsDouble();
        }
        return f;
    }

    static int[] ints(JsonElement a) {
        JsonArray arr = a.getAsJsonArray();
        int[] v = new int[arr.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = arr.get(i).getAsInt();
        }
        return v;
    }

    static NDArray tensor(NDManager m, JsonObject t) {
        int[] dims = ints(t.get("shape"));
        long[] shape = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            shape[i] = dims[i];
        }
        return m.create(floats(t.get("data")), new Shape(shape));
    }

    static boolean has(JsonObject o, String key) {
        return o.has(key) && !o.get(key).isJsonNull();
    }
}
