package labkit.tasks;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads {@code fixtures/segsr/task34.json}, made by {@code src/test/python/make_task34_fixtures.py}. */
final class TaskFixtures {
    private TaskFixtures() {}

    static JsonObject get(String section) {
        String path = "/fixtures/segsr/task34.json";
        try (InputStream in = TaskFixtures.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IOException("fixture " + path + " missing: run /usr/bin/python3 labkit/src/test/python/make_task34_fixtures.py");
            }
            return JsonParser.parseReader(new InputStreamReader(in, StandardCharsets.UTF_8)).getAsJsonObject()
                    .getAsJsonObject(section);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
