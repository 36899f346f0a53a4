package labkit.data;

import labkit.boxes.BoxAnnotation;
import labkit.boxes.Detection;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A COCO-style box annotation file ({@code instances_*.json}: {@code images}, {@code categories},
 * {@code annotations} with {@code bbox = [x, y, w, h]}, {@code area}, {@code iscrowd}) read into records, and
 * written back; segmentations and other fields are ignored. Also reads COCO result files (a JSON array of
 * detections). Missing keys or a box of the wrong length are reported with the file and the annotation id.
 *
 * @param images image id → file name (relative to the image folder)
 * @param sizes image id → {@code {width, height}}
 * @param categories category id → name
 * @param annotations every box
 */
public record CocoAnnotations(Map<Long, String> images, Map<Long, int[]> sizes, Map<Integer, String> categories,
                              List<BoxAnnotation> annotations) {

    public CocoAnnotations {
        images = Collections.unmodifiableMap(new LinkedHashMap<>(images));
        sizes = Collections.unmodifiableMap(new LinkedHashMap<>(sizes));
        categories = Collections.unmodifiableMap(new LinkedHashMap<>(categories));
        annotations = List.copyOf(annotations);
    }

    /** Reads a COCO instances file. */
    public static CocoAnnotations read(Path file) {
        JsonObject root;
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            JsonElement e = JsonParser.parseReader(r);
            if (!e.isJsonObject()) {
                throw new IllegalArgumentException(file + " is not a COCO annotation file (expected a JSON object "
                        + "with images, categories, annotations)");
            }
            root = e.getAsJsonObject();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read COCO annotations " + file, e);
        } catch (com.google.gson.JsonParseException e) {
            throw new IllegalArgumentException(file + " is not valid JSON: " + e.getMessage(), e);
        }
        return parse(root, file.toString());
    }

    /** Parses the JSON object of an instances file; {@code source} names it in errors. */
    public static CocoAnnotations parse(JsonObject root, String source) {
        for (String key : new String[] {"images", "categories", "annotations"}) {
            if (!root.has(key) || !root.get(key).isJsonArray()) {
                throw new IllegalArgumentException(source + ": no '" + key + "' array (COCO instances format)");
            }
        }
        Map<Long, String> images = new LinkedHashMap<>();
        Map<Long, int[]> sizes = new LinkedHashMap<>();
        for (JsonElement e : root.getAsJsonArray("images")) {
            JsonObject o = e.getAsJsonObject();
            long id = need(o, "id", source, "image").getAsLong();
            images.put(id, o.has("file_name") ? o.get("file_name").getAsString() : Long.toString(id));
            sizes.put(id, new int[] {o.has("width") ? o.get("width").getAsInt() : 0,
                o.has("height") ? o.get("height").getAsInt() : 0});
        }
        Map<Integer, String> cats = new LinkedHashMap<>();
        for (JsonElement e : root.getAsJsonArray("categories")) {
            JsonObject o = e.getAsJsonObject();
            cats.put(need(o, "id", source, "category").getAsInt(),
                    o.has("name") ? o.get("name").getAsString() : "");
        }
        List<BoxAnnotation> anns = new ArrayList<>();
        for (JsonElement e : root.getAsJsonArray("annotations")) {
            JsonObject o = e.getAsJsonObject();
            long id = o.has("id") ? o.get("id").getAsLong() : anns.size() + 1;
            String what = "annotation " + id;
            double[] b = box(need(o, "bbox", source, what), source, what);
            long img = need(o, "image_id", source, what).getAsLong();
            if (!images.containsKey(img)) {
                throw new IllegalArgumentException(source + ": " + what + " refers to image " + img
                        + ", which is not in 'images'");
            }
            anns.add(new BoxAnnotation(id, img, need(o, "category_id", source, what).getAsInt(), b[0], b[1], b[2],
                    b[3], o.has("area") ? o.get("area").getAsDouble() : b[2] * b[3],
                    o.has("iscrowd") && o.get("iscrowd").getAsInt() != 0));
        }
        return new CocoAnnotations(images, sizes, cats, anns);
    }

    /** Reads a COCO result file: {@code [{"image_id", "category_id", "bbox", "score"}, ...]}. */
    public static List<Detection> readDetections(Path file) {
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return parseDetections(JsonParser.parseReader(r).getAsJsonArray(), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read COCO results " + file, e);
        } catch (IllegalStateException | com.google.gson.JsonParseException e) {
            throw new IllegalArgumentException(file + " is not a COCO result file (a JSON array of detections): "
                    + e.getMessage(), e);
        }
    }

    /** Parses a COCO result array; {@code source} names it in errors. */
    public static List<Detection> parseDetections(JsonArray arr, String source) {
        List<Detection> out = new ArrayList<>();
        int i = 0;
        for (JsonElement e : arr) {
            JsonObject o = e.getAsJsonObject();
            String what = "detection " + i++;
            double[] b = box(need(o, "bbox", source, what), source, what);
            out.add(new Detection(need(o, "image_id", source, what).getAsLong(),
                    need(o, "category_id", source, what).getAsInt(), b[0], b[1], b[2], b[3],
                    need(o, "score", source, what).getAsDouble()));
        }
        return out;
    }

    /** Annotations of one image, in file order. */
    public List<BoxAnnotation> of(long imageId) {
        List<BoxAnnotation> out = new ArrayList<>();
        for (BoxAnnotation a : annotations) {
            if (a.imageId() == imageId) {
                out.add(a);
            }
        }
        return out;
    }

    /** Writes this as a COCO instances file (images, categories, annotations with bbox, area, iscrowd). */
    public void write(Path file) {
        JsonObject root = new JsonObject();
        JsonArray imgs = new JsonArray();
        images.forEach((id, name) -> {
            JsonObject o = new JsonObject();
            o.addProperty("id", id);
            o.addProperty("file_name", name);
            o.addProperty("width", sizes.get(id)[0]);
            o.addProperty("height", sizes.get(id)[1]);
            imgs.add(o);
        });
        JsonArray cs = new JsonArray();
        categories.forEach((id, name) -> {
            JsonObject o = new JsonObject();
            o.addProperty("id", id);
            o.addProperty("name", name);
            cs.add(o);
        });
        JsonArray as = new JsonArray();
        for (BoxAnnotation a : annotations) {
            JsonObject o = new JsonObject();
            o.addProperty("id", a.id());
            o.addProperty("image_id", a.imageId());
            o.addProperty("category_id", a.categoryId());
            JsonArray b = new JsonArray();
            b.add(a.x());
            b.add(a.y());
            b.add(a.width());
            b.add(a.height());
            o.add("bbox", b);
            o.addProperty("area", a.area());
            o.addProperty("iscrowd", a.crowd() ? 1 : 0);
            as.add(o);
        }
        root.add("images", imgs);
        root.add("categories", cs);
        root.add("annotations", as);
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            new com.google.gson.Gson().toJson(root, w);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static JsonElement need(JsonObject o, String key, String source, String what) {
        if (!o.has(key) || o.get(key).isJsonNull()) {
            throw new IllegalArgumentException(source + ": " + what + " has no '" + key + "'");
        }
        return o.get(key);
    }

    private static double[] box(JsonElement e, String source, String what) {
        if (!e.isJsonArray() || e.getAsJsonArray().size() != 4) {
            throw new IllegalArgumentException(source + ": " + what + " has bbox " + e
                    + "; expected [x, y, width, height]");
        }
        double[] b = new double[4];
        for (int i = 0; i < 4; i++) {
            b[i] = e.getAsJsonArray().get(i).getAsDouble();
        }
        return b;
    }
}
