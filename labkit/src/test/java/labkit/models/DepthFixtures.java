package labkit.models;

import com.google.gson.JsonElement;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/** Reads the JSON fixtures made by {@code src/test/python/make_depth_fixtures.py}. */
public final class DepthFixtures {
    private DepthFixtures() {}

    public static JsonElement read(String name) throws IOException {
        String path = "/fixtures/depth/" + name;
        try (InputStream in = DepthFixtures.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("fixture " + path + " missing: run /usr/bin/python3 src/test/python/make_depth_fixtures.py");
            }
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8));
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
}
