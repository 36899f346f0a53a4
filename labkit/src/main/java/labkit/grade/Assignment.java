package labkit.grade;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An assignment's source notebook (the instructor's, with solutions and hidden tests) and its marked cells,
 * checked on load: every marked cell has a unique {@code grade_id}, every test cell has points, markers are
 * balanced.
 */
public final class Assignment {
    private final Path path;
    private final String name;
    private final JsonObject notebook;
    private final Map<String, CellSpec> cells;

    private Assignment(Path path, String name, JsonObject notebook, Map<String, CellSpec> cells) {
        this.path = path;
        this.name = name;
        this.notebook = notebook;
        this.cells = cells;
    }

    /** Loads and checks a source notebook; errors name the file and the cell. */
    public static Assignment load(Path source) {
        JsonObject nb = Ipynb.read(source);
        Map<String, CellSpec> specs = new LinkedHashMap<>();
        List<JsonObject> cells = Ipynb.cells(nb);
        for (int i = 0; i < cells.size(); i++) {
            CellSpec spec = CellSpec.of(cells.get(i), i, source.toString());
            if (spec == null) {
                continue;
            }
            if (specs.containsKey(spec.gradeId())) {
                throw new IllegalArgumentException("'" + source + "' has two cells with grade_id '" + spec.gradeId()
                        + "' (cells " + specs.get(spec.gradeId()).index() + " and " + i + "); grade ids must be unique");
            }
            String src = Ipynb.source(cells.get(i));
            String where = "'" + source + "' cell '" + spec.gradeId() + "'";
            Markers.removeHidden(src, where); // checks balance
            if (spec.kind() == CellSpec.Kind.SOLUTION || spec.kind() == CellSpec.Kind.MANUAL) {
                Markers.stubSolutions(src, where);
            } else if (Markers.hasSolution(src)) {
                throw new IllegalArgumentException(where + " has '// BEGIN SOLUTION' but is not a solution cell");
            }
            if (Markers.hasHidden(src) && spec.kind() != CellSpec.Kind.TEST) {
                throw new IllegalArgumentException(where + " has hidden tests but is not a test cell");
            }
            specs.put(spec.gradeId(), spec);
        }
        if (specs.values().stream().noneMatch(c -> c.kind() == CellSpec.Kind.TEST)) {
            throw new IllegalArgumentException("'" + source + "' has no test cells (nbgrader 'Autograder tests' with "
                    + "points); mark at least one cell");
        }
        String name = nameOf(nb, source);
        return new Assignment(source, name, nb, Collections.unmodifiableMap(specs));
    }

    private static String nameOf(JsonObject nb, Path source) {
        JsonObject md = nb.has("metadata") ? nb.getAsJsonObject("metadata") : null;
        if (md != null && md.has("labkit") && md.getAsJsonObject("labkit").has("assignment")) {
            return md.getAsJsonObject("labkit").get("assignment").getAsString();
        }
        String file = source.getFileName().toString();
        return file.endsWith(".ipynb") ? file.substring(0, file.length() - 6) : file;
    }

    /** The source file. */
    public Path path() {
        return path;
    }

    /** The assignment's name ({@code metadata.labkit.assignment}, else the file name without .ipynb). */
    public String name() {
        return name;
    }

    /** A copy of the source notebook. */
    public JsonObject notebook() {
        return notebook.deepCopy();
    }

    /** Marked cells by grade id, in notebook order. */
    public Map<String, CellSpec> cells() {
        return cells;
    }

    /** Test cells in notebook order. */
    public List<CellSpec> tests() {
        List<CellSpec> out = new ArrayList<>();
        for (CellSpec c : cells.values()) {
            if (c.kind() == CellSpec.Kind.TEST) {
                out.add(c);
            }
        }
        return out;
    }

    /** Total points of the test cells (the autograded maximum). */
    public double maxPoints() {
        return tests().stream().mapToDouble(CellSpec::points).sum();
    }

    /**
     * For each test cell, the solution cells it depends on: those between the previous test cell and it.
     * A submission missing one of them scores 0 on that test.
     */
    public Map<String, List<String>> solutionsBefore() {
        Map<String, List<String>> out = new HashMap<>();
        List<String> pending = new ArrayList<>();
        for (CellSpec c : cells.values()) {
            if (c.kind() == CellSpec.Kind.SOLUTION || c.kind() == CellSpec.Kind.MANUAL) {
                pending.add(c.gradeId());
            } else if (c.kind() == CellSpec.Kind.TEST) {
                out.put(c.gradeId(), List.copyOf(pending));
                pending.clear();
            }
        }
        return out;
    }

    /** The source cell with that grade id. */
    public JsonObject cell(String gradeId) {
        return Ipynb.cells(notebook).get(cells.get(gradeId).index()).deepCopy();
    }
}
