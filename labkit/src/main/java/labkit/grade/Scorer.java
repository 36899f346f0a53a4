package labkit.grade;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Scores the test cells of an executed notebook from their outputs alone: a test cell that finished without an
 * error output earns its points, scaled by the smallest {@link Check#partial} fraction that the runner read from the
 * agent after the cell (never from printed text); a cell that raised, did not run, or follows a deleted solution cell earns 0. Nothing else the student's
 * process produced is read.
 */
public final class Scorer {
    private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;?]*[A-Za-z]");

    private Scorer() {}

    /** One result per marked cell, in source order; {@code notes} receives what the scorer noticed. */
    public static List<CellResult> score(Assignment assignment, Restorer.Restored restored, Executor.Execution run,
                                         List<String> notes) {
        List<JsonObject> cells = Ipynb.cells(run.notebook());
        Map<String, List<String>> needs = assignment.solutionsBefore();
        List<CellResult> out = new ArrayList<>();
        for (Map.Entry<Integer, String> e : restored.roles().entrySet()) {
            int index = e.getKey();
            CellSpec spec = assignment.cells().get(e.getValue());
            JsonObject cell = index < cells.size() ? cells.get(index) : new JsonObject();
            double seconds = run.seconds().getOrDefault(index, 0.0);
            String kind = spec.kind().name().toLowerCase();
            boolean ran = run.completed().contains(index);
            String error = ran ? errorOf(cell) : null;
            switch (spec.kind()) {
                case TEST -> out.add(test(spec, restored, run, needs, index, cell, ran, error, seconds, notes));
                case SOLUTION, MANUAL -> {
                    String status = restored.missing().contains(spec.gradeId()) ? "missing"
                            : spec.kind() == CellSpec.Kind.MANUAL ? "manual" : ran ? (error == null ? "answered" : "error")
                            : notRun(run, index);
                    String msg = status.equals("missing") ? "the submission has no cell '" + spec.gradeId() + "'"
                            : status.equals("manual") ? "graded by hand" : error != null ? error
                            : ran ? "" : stopMessage(run, index);
                    out.add(new CellResult(spec.gradeId(), kind, 0, spec.points(), status, msg, seconds));
                }
                case LOCKED -> out.add(new CellResult(spec.gradeId(), kind, 0, 0, ran || !spec.cellType().equals("code")
                        ? (error == null ? "ok" : "error") : notRun(run, index), error == null ? "" : error, seconds));
                default -> throw new IllegalStateException(spec.kind().toString());
            }
        }
        return out;
    }

    private static CellResult test(CellSpec spec, Restorer.Restored restored, Executor.Execution run,
                                   Map<String, List<String>> needs, int index, JsonObject cell, boolean ran,
                                   String error, double seconds, List<String> notes) {
        for (String need : needs.getOrDefault(spec.gradeId(), List.of())) {
            if (restored.missing().contains(need)) {
                return new CellResult(spec.gradeId(), "test", 0, spec.points(), "missing-solution",
                        "solution cell '" + need + "' was deleted from the submission", seconds);
            }
        }
        if (!ran) {
            return new CellResult(spec.gradeId(), "test", 0, spec.points(), notRun(run, index), stopMessage(run, index),
                    seconds);
        }
        if (error != null) {
            return new CellResult(spec.gradeId(), "test", 0, spec.points(), "failed", error, seconds);
        }
        double fraction = 1;
        String why = "";
        boolean any = false;
        JsonObject meta = Ipynb.metadata(cell).has(CellRunner.META) && Ipynb.metadata(cell).get(CellRunner.META).isJsonObject()
                ? Ipynb.metadata(cell).getAsJsonObject(CellRunner.META) : null;
        if (meta != null && meta.has("partial")) { // written by the runner, read from Check after the cell
            fraction = Math.max(0, Math.min(1, meta.get("partial").getAsDouble()));
            why = meta.has("why") ? meta.get("why").getAsString() : "";
            any = true;
        }
        double points = Math.round(spec.points() * fraction * 1e4) / 1e4;
        String status = !any || fraction >= 1 ? "passed" : "partial";
        return new CellResult(spec.gradeId(), "test", points, spec.points(), status,
                status.equals("partial") ? why : "", seconds);
    }

    private static String notRun(Executor.Execution run, int index) {
        return index == run.failedCell() ? run.status() : "not-run";
    }

    private static String stopMessage(Executor.Execution run, int index) {
        if (index == run.failedCell()) {
            return run.message();
        }
        return run.status().equals("completed") ? "the cell did not run"
                : "not run: the notebook stopped earlier (" + run.status() + ": " + run.message() + ")";
    }

    /** The first error output of a cell as one readable line, or null when there is none. */
    static String errorOf(JsonObject cell) {
        if (!cell.has("outputs")) {
            return null;
        }
        for (JsonElement o : cell.getAsJsonArray("outputs")) {
            JsonObject out = o.getAsJsonObject();
            if (!"error".equals(str(out, "output_type"))) {
                continue;
            }
            StringBuilder b = new StringBuilder();
            if (out.has("traceback")) {
                for (JsonElement l : out.getAsJsonArray("traceback")) {
                    for (String line : ANSI.matcher(l.getAsString()).replaceAll("").split("\n")) {
                        String t = line.strip();
                        if (!t.isEmpty() && !t.startsWith("|") && !t.startsWith("at ")) {
                            b.append(b.length() > 0 ? " " : "").append(t);
                        }
                    }
                }
            }
            String text = b.length() > 0 ? b.toString() : str(out, "ename") + ": " + str(out, "evalue");
            text = text.replace("labkit.grade.Check$Failure: ", "check failed: ");
            return text.length() > 400 ? text.substring(0, 400) + "…" : text;
        }
        return null;
    }

    /**
     * The lines of a cell's stream outputs of one name, joined first: the kernel may send one printed line in
     * several stream messages.
     */
    static List<String> streamLines(JsonObject cell, String name) {
        StringBuilder all = new StringBuilder();
        if (cell.has("outputs")) {
            for (JsonElement o : cell.getAsJsonArray("outputs")) {
                JsonObject out = o.getAsJsonObject();
                if ("stream".equals(str(out, "output_type")) && name.equals(str(out, "name"))) {
                    all.append(textOf(out.get("text")));
                }
            }
        }
        return new ArrayList<>(List.of(ANSI.matcher(all).replaceAll("").split("\n")));
    }

    static String textOf(JsonElement e) {
        if (e == null || e.isJsonNull()) {
            return "";
        }
        if (e.isJsonPrimitive()) {
            return e.getAsString();
        }
        StringBuilder b = new StringBuilder();
        e.getAsJsonArray().forEach(x -> b.append(x.getAsString()));
        return b.toString();
    }

    private static String str(JsonObject o, String key) {
        return o.has(key) && o.get(key).isJsonPrimitive() ? o.get(key).getAsString() : "";
    }
}
