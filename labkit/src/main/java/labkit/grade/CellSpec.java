package labkit.grade;

import com.google.gson.JsonObject;

/**
 * One nbgrader-marked cell of an assignment's source notebook: its {@code grade_id}, what kind of cell it is,
 * its points and its position. Kinds follow nbgrader's "Create Assignment" toolbar.
 *
 * @param gradeId  {@code metadata.nbgrader.grade_id}, unique in the notebook
 * @param kind     what the grader does with it
 * @param points   points of a test (or manually graded) cell, 0 otherwise
 * @param index    position in the source notebook
 * @param cellType "code" or "markdown"
 */
public record CellSpec(String gradeId, Kind kind, double points, int index, String cellType) {

    /** What a marked cell is for. */
    public enum Kind {
        /** Autograder tests ({@code grade: true, solution: false}): restored from the source, scored. */
        TEST,
        /** Autograded answer ({@code solution: true, grade: false}): the student's code. */
        SOLUTION,
        /** Manually graded answer ({@code solution: true, grade: true}): the student's; points left to a human. */
        MANUAL,
        /** Read-only ({@code locked: true}, or a nbgrader "task"): restored from the source, not scored. */
        LOCKED
    }

    /** True when the grader puts the source's version back ({@link Kind#TEST} and {@link Kind#LOCKED}). */
    public boolean restored() {
        return kind == Kind.TEST || kind == Kind.LOCKED;
    }

    /** Reads the spec of a cell, or null when the cell carries no nbgrader marks. {@code file} is for errors. */
    static CellSpec of(JsonObject cell, int index, String file) {
        JsonObject m = Ipynb.nbgrader(cell);
        if (m == null) {
            return null;
        }
        boolean grade = flag(m, "grade");
        boolean solution = flag(m, "solution");
        boolean locked = flag(m, "locked");
        boolean task = flag(m, "task");
        if (!grade && !solution && !locked && !task) {
            return null;
        }
        String id = m.has("grade_id") && !m.get("grade_id").isJsonNull() ? m.get("grade_id").getAsString().trim() : "";
        if (id.isEmpty()) {
            throw new IllegalArgumentException("'" + file + "' cell " + index + " is marked for nbgrader but has no "
                    + "grade_id: give it one in the Create Assignment toolbar (metadata.nbgrader.grade_id)");
        }
        double points = m.has("points") && !m.get("points").isJsonNull() ? m.get("points").getAsDouble() : 0;
        Kind kind = solution ? (grade ? Kind.MANUAL : Kind.SOLUTION) : grade ? Kind.TEST : Kind.LOCKED;
        if (kind == Kind.TEST && !Ipynb.type(cell).equals("code")) {
            throw new IllegalArgumentException("'" + file + "' cell '" + id + "' is a test cell but not a code cell");
        }
        if (kind == Kind.TEST && !(points > 0)) {
            throw new IllegalArgumentException("'" + file + "' test cell '" + id + "' has no points: set "
                    + "metadata.nbgrader.points to a positive number");
        }
        return new CellSpec(id, kind, kind == Kind.TEST || kind == Kind.MANUAL ? points : 0, index, Ipynb.type(cell));
    }

    private static boolean flag(JsonObject m, String key) {
        return m.has(key) && !m.get(key).isJsonNull() && m.get(key).getAsBoolean();
    }
}
