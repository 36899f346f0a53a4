package labkit.grade;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.List;

/**
 * The grade of one submission, as written to {@code results/<student>.json} (schema
 * {@value #SCHEMA}, documented in {@code labkit/src/main/java/labkit/grade/package-info.java}).
 *
 * @param student        the student's name (submission file or folder name)
 * @param submission     the submitted notebook, relative to the submissions folder
 * @param sha256         SHA-256 of the submitted notebook file
 * @param assignment     the assignment's name
 * @param sourceSha256   SHA-256 of the source notebook graded against
 * @param status         graded (all cells ran), cell-timeout, notebook-timeout, kernel-died, out-of-memory,
 *                       output-limit, kernel-start-failed, error, or invalid (not gradable)
 * @param message        why the run stopped, or why the submission is invalid; "" when graded
 * @param points         autograded points earned
 * @param maxPoints      autograded points available
 * @param cells          one result per marked cell
 * @param notes          what the grader restored, refused or ignored
 * @param isolation      the isolation the machine allowed for this run
 * @param seconds        wall time of the run, kernel start included
 * @param gradedAt       ISO-8601 instant
 * @param labkitVersion  labkit version of the grader
 * @param jdk            JDK version of the grader
 */
public record GradeResult(String student, String submission, String sha256, String assignment, String sourceSha256,
                          String status, String message, double points, double maxPoints, List<CellResult> cells,
                          List<String> notes, List<String> isolation, double seconds, String gradedAt,
                          String labkitVersion, String jdk) {
    /** Schema tag written in every result file. */
    public static final String SCHEMA = "labkit-grade-result/1";

    /** The JSON document. */
    public JsonObject toJson() {
        JsonObject o = new JsonObject();
        o.addProperty("schema", SCHEMA);
        o.addProperty("student", student);
        o.addProperty("submission", submission);
        o.addProperty("submission_sha256", sha256);
        o.addProperty("assignment", assignment);
        o.addProperty("source_sha256", sourceSha256);
        o.addProperty("status", status);
        o.addProperty("message", message);
        o.addProperty("points", points);
        o.addProperty("max_points", maxPoints);
        JsonArray cs = new JsonArray();
        for (CellResult c : cells) {
            JsonObject j = new JsonObject();
            j.addProperty("grade_id", c.gradeId());
            j.addProperty("kind", c.kind());
            j.addProperty("points", c.points());
            j.addProperty("max_points", c.maxPoints());
            j.addProperty("status", c.status());
            j.addProperty("message", c.message());
            j.addProperty("seconds", Math.round(c.seconds() * 1000) / 1000.0);
            cs.add(j);
        }
        o.add("cells", cs);
        JsonArray ns = new JsonArray();
        notes.forEach(ns::add);
        o.add("notes", ns);
        JsonObject env = new JsonObject();
        env.addProperty("labkit", labkitVersion);
        env.addProperty("jdk", jdk);
        JsonArray iso = new JsonArray();
        isolation.forEach(iso::add);
        env.add("isolation", iso);
        o.add("environment", env);
        o.addProperty("seconds", Math.round(seconds * 10) / 10.0);
        o.addProperty("graded_at", gradedAt);
        return o;
    }

    /** Reads a result file's JSON back. */
    public static GradeResult fromJson(JsonObject o) {
        List<CellResult> cells = new java.util.ArrayList<>();
        for (var e : o.getAsJsonArray("cells")) {
            JsonObject j = e.getAsJsonObject();
            cells.add(new CellResult(j.get("grade_id").getAsString(), j.get("kind").getAsString(),
                    j.get("points").getAsDouble(), j.get("max_points").getAsDouble(), j.get("status").getAsString(),
                    j.get("message").getAsString(), j.get("seconds").getAsDouble()));
        }
        List<String> notes = new java.util.ArrayList<>();
        o.getAsJsonArray("notes").forEach(n -> notes.add(n.getAsString()));
        JsonObject env = o.getAsJsonObject("environment");
        List<String> iso = new java.util.ArrayList<>();
        env.getAsJsonArray("isolation").forEach(n -> iso.add(n.getAsString()));
        return new GradeResult(o.get("student").getAsString(), o.get("submission").getAsString(),
                o.get("submission_sha256").getAsString(), o.get("assignment").getAsString(),
                o.get("source_sha256").getAsString(), o.get("status").getAsString(), o.get("message").getAsString(),
                o.get("points").getAsDouble(), o.get("max_points").getAsDouble(), cells, notes, iso,
                o.get("seconds").getAsDouble(), o.get("graded_at").getAsString(), env.get("labkit").getAsString(),
                env.get("jdk").getAsString());
    }
}
