package labkit.grade;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reading and writing Jupyter notebooks (nbformat 4) as JSON trees, with errors that name the file. */
public final class Ipynb {
    private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().create();

    private Ipynb() {}

    /** Reads a notebook; throws {@link IllegalArgumentException} naming the file when it is not an nbformat-4 notebook. */
    public static JsonObject read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no notebook file at '" + file + "'");
        }
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read '" + file + "': " + e.getMessage(), e);
        }
        return parse(text, file.toString());
    }

    /** Parses notebook JSON; {@code name} is used in error messages. */
    public static JsonObject parse(String text, String name) {
        JsonElement root;
        try {
            root = JsonParser.parseString(text);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("'" + name + "' is not a notebook: it is not JSON (" + e.getMessage()
                    + "). Submit the .ipynb file that Jupyter saved.");
        }
        if (!root.isJsonObject() || !root.getAsJsonObject().has("cells")
                || !root.getAsJsonObject().get("cells").isJsonArray()) {
            throw new IllegalArgumentException("'" + name + "' is not a notebook: no 'cells' list. Submit the .ipynb "
                    + "file that Jupyter saved.");
        }
        JsonObject nb = root.getAsJsonObject();
        int major = nb.has("nbformat") ? nb.get("nbformat").getAsInt() : 0;
        if (major != 4) {
            throw new IllegalArgumentException("'" + name + "' is nbformat " + major + "; labkit grades nbformat 4 "
                    + "notebooks (open and save it in a current Jupyter to convert it)");
        }
        return nb;
    }

    /** Writes a notebook as indented JSON. */
    public static void write(JsonObject nb, Path file) {
        try {
            if (file.getParent() != null) {
                Files.createDirectories(file.getParent());
            }
            Files.writeString(file, toJson(nb) + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write '" + file + "'", e);
        }
    }

    /** The notebook as indented JSON text. */
    public static String toJson(JsonElement nb) {
        return GSON.toJson(nb);
    }

    /** The cells, in order. */
    public static List<JsonObject> cells(JsonObject nb) {
        List<JsonObject> out = new ArrayList<>();
        for (JsonElement e : nb.getAsJsonArray("cells")) {
            out.add(e.getAsJsonObject());
        }
        return out;
    }

    /** Replaces the cells. */
    public static void setCells(JsonObject nb, List<JsonObject> cells) {
        JsonArray a = new JsonArray();
        cells.forEach(a::add);
        nb.add("cells", a);
    }

    /** A cell's source as one string (nbformat allows a string or a list of lines). */
    public static String source(JsonObject cell) {
        JsonElement s = cell.get("source");
        if (s == null || s.isJsonNull()) {
            return "";
        }
        if (s.isJsonPrimitive()) {
            return s.getAsString();
        }
        StringBuilder b = new StringBuilder();
        for (JsonElement line : s.getAsJsonArray()) {
            b.append(line.getAsString());
        }
        return b.toString();
    }

    /** Sets a cell's source, stored as a list of lines the way Jupyter saves it. */
    public static void setSource(JsonObject cell, String source) {
        JsonArray lines = new JsonArray();
        int start = 0;
        while (start < source.length()) {
            int nl = source.indexOf('\n', start);
            int end = nl < 0 ? source.length() : nl + 1;
            lines.add(source.substring(start, end));
            start = end;
        }
        cell.add("source", lines);
    }

    /** "code", "markdown" or "raw". */
    public static String type(JsonObject cell) {
        return cell.has("cell_type") ? cell.get("cell_type").getAsString() : "";
    }

    /** The cell's {@code metadata.nbgrader} object, or null. */
    public static JsonObject nbgrader(JsonObject cell) {
        JsonObject md = cell.has("metadata") && cell.get("metadata").isJsonObject() ? cell.getAsJsonObject("metadata") : null;
        if (md == null || !md.has("nbgrader") || !md.get("nbgrader").isJsonObject()) {
            return null;
        }
        return md.getAsJsonObject("nbgrader");
    }

    /** The cell's metadata object, created when missing. */
    public static JsonObject metadata(JsonObject cell) {
        if (!cell.has("metadata") || !cell.get("metadata").isJsonObject()) {
            cell.add("metadata", new JsonObject());
        }
        return cell.getAsJsonObject("metadata");
    }

    /** Removes outputs and execution counts from every code cell. */
    public static void clearOutputs(JsonObject nb) {
        for (JsonObject c : cells(nb)) {
            if (type(c).equals("code")) {
                c.add("outputs", new JsonArray());
                c.add("execution_count", com.google.gson.JsonNull.INSTANCE);
            }
        }
    }

    /** A deep copy. */
    public static JsonObject copy(JsonObject o) {
        return o.deepCopy();
    }
}
