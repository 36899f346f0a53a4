package labkit.nn;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads {@code fixtures/segsr/segsr.json}, made by {@code src/test/python/make_segsr_fixtures.py}. */
public final class SegSrFixtures {
    private SegSrFixtures() {}

    public static JsonObject get(String section) {
        String path = "/fixtures/segsr/segsr.json";
        try (InputStream in = SegSrFixtures.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("fixture " + path + " missing: run /usr/bin/python3 labkit/src/test/python/make_segsr_fixtures.py");
            }
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject()
                    .getAsJsonObject(section);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static float[] floats(JsonElement array) {
        var a = array.getAsJsonArray();
        float[] out = new float[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsFloat();
        }
        return out;
    }

    public static long[] longs(JsonElement array) {
        var a = array.getAsJsonArray();
        long[] out = new long[a.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = a.get(i).getAsLong();
        }
        return out;
    }
}
