package labkit.grade;

import com.google.gson.JsonObject;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import labkit.Labkit;

/** {@code labkit validate}: runs one notebook as the grader would and says, per graded cell, what passes. */
public final class Validator {
    private Validator() {}

    /** Restores {@code notebook} against the assignment, runs it in the sandbox and scores it. */
    public static GradeResult validate(Assignment a, JsonObject notebook, String name, Sandbox sandbox, boolean quick) {
        Restorer.Restored restored = Restorer.restore(a, notebook, name, sandbox.jar());
        Executor.Execution run = Executor.run(sandbox, restored.notebook(), quick);
        List<String> notes = new ArrayList<>(restored.notes());
        List<CellResult> cells = Scorer.score(a, restored, run, notes);
        double points = cells.stream().filter(c -> c.kind().equals("test")).mapToDouble(CellResult::points).sum();
        return new GradeResult(name, name, "", a.name(), "", run.status().equals("completed") ? "graded" : run.status(),
                run.message(), points, a.maxPoints(), cells, notes, sandbox.features(), run.wallSeconds(),
                Instant.now().toString(), Labkit.version(), Runtime.version().toString());
    }

    /** A plain-text table: one line per graded cell, then the total and status. */
    public static String table(GradeResult r) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "  %-24s %-8s %9s  %-16s %s%n", "cell", "kind", "points", "status", "message"));
        for (CellResult c : r.cells()) {
            if (c.kind().equals("locked")) {
                continue;
            }
            String pts = c.kind().equals("test") ? Gradebook.number(c.points()) + "/" + Gradebook.number(c.maxPoints()) : "";
            String msg = c.message().length() > 100 ? c.message().substring(0, 100) + "…" : c.message();
            b.append(String.format(Locale.ROOT, "  %-24s %-8s %9s  %-16s %s%n", c.gradeId(), c.kind(), pts, c.status(), msg));
        }
        b.append(String.format(Locale.ROOT, "  total %s/%s, status %s%s%n", Gradebook.number(r.points()),
                Gradebook.number(r.maxPoints()), r.status(), r.message().isEmpty() ? "" : " (" + r.message() + ")"));
        r.notes().forEach(n -> b.append("  note: ").append(n).append('\n'));
        return b.toString();
    }
}
