package labkit.grade;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Builds the notebook the grader executes from an assignment's source and one submission: every locked and
 * test cell comes from the source (hidden tests included), in the source's order; each solution cell is the
 * student's (found by {@code grade_id}), or the stub when the student deleted it; the student's own extra cells
 * follow the marked cell they followed in the submission (cells before the first marked cell run after the set-up
 * cells). Student cells may not run magics (except loading the
 * labkit jar, which is pointed at the grader's jar) nor declare names that would hide {@code labkit.*} or
 * {@code java.*} from the tests.
 */
public final class Restorer {
    private static final Pattern LABKIT_JARS = Pattern.compile("^\\s*%%?jars?\\s+\\S*labkit[^\\s/]*\\.jar\\s*$");
    private static final Set<String> PROTECTED = Set.of("labkit", "java", "javax", "jdk");
    /** Line breaks as the kernel (and {@code \\R}) sees them. */
    static final Pattern LINES = Pattern.compile("\\R");

    /** The first line separator other than LF, CR (and CRLF) in {@code s}, or -1. */
    static int oddSeparator(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0x0B || c == 0x0C || c == 0x85 || c == 0x2028 || c == 0x2029) {
                return c;
            }
        }
        return -1;
    }

    private Restorer() {}

    /**
     * The notebook to execute, where its graded cells are, and what was wrong with the submission.
     *
     * @param notebook   the restored notebook (outputs cleared)
     * @param roles      grade id of each marked cell by its index in {@code notebook}
     * @param missing    grade ids of solution cells the submission lacks (stubs were put in their place)
     * @param notes      what the grader changed or ignored, one readable line each
     */
    public record Restored(JsonObject notebook, Map<Integer, String> roles, Set<String> missing, List<String> notes) {}

    /**
     * Restores {@code submission} against {@code assignment}. {@code name} names the submission in errors;
     * {@code jar} is the labkit jar the kernel loads (absolute path).
     */
    public static Restored restore(Assignment assignment, JsonObject submission, String name, String jar) {
        checkBelongs(assignment, submission, name);
        List<String> notes = new ArrayList<>();
        Map<String, JsonObject> byId = new HashMap<>();
        Map<String, List<JsonObject>> anchored = new LinkedHashMap<>();
        String anchor = "";
        for (JsonObject cell : Ipynb.cells(submission)) {
            JsonObject m = Ipynb.nbgrader(cell);
            String id = m != null && m.has("grade_id") && !m.get("grade_id").isJsonNull() ? m.get("grade_id").getAsString() : null;
            CellSpec spec = id == null ? null : assignment.cells().get(id);
            if (spec != null && !byId.containsKey(id)) {
                byId.put(id, cell);
                anchor = id;
                continue;
            }
            if (spec != null) {
                notes.add("a second cell with grade_id '" + id + "' was kept as an ordinary cell");
            } else if (id != null && m != null && isMarked(m)) {
                notes.add("a cell with grade_id '" + id + "' that the assignment does not have was kept as an ordinary cell");
            }
            JsonObject plain = cell.deepCopy();
            Ipynb.metadata(plain).remove("nbgrader");
            anchored.computeIfAbsent(anchor, k -> new ArrayList<>()).add(plain);
        }

        List<JsonObject> out = new ArrayList<>();
        Map<Integer, String> roles = new LinkedHashMap<>();
        Set<String> missing = new LinkedHashSet<>();
        List<JsonObject> first = anchored.get(""); // run after the set-up cells, never before them
        boolean setUp = true;
        for (CellSpec spec : assignment.cells().values()) {
            if (setUp && !(spec.restored() && spec.kind() == CellSpec.Kind.LOCKED)) {
                addStudentCells(out, first, jar, notes);
                setUp = false;
            }
            JsonObject cell;
            if (spec.restored()) {
                cell = assignment.cell(spec.gradeId());
                JsonObject theirs = byId.get(spec.gradeId());
                if (theirs == null) {
                    notes.add("cell '" + spec.gradeId() + "' was missing and was restored from the source");
                } else if (!Markers.removeHidden(Ipynb.source(cell), spec.gradeId()).equals(Ipynb.source(theirs))
                        && !Ipynb.source(cell).equals(Ipynb.source(theirs))) {
                    notes.add("cell '" + spec.gradeId() + "' was changed and was restored from the source");
                }
                if (spec.cellType().equals("code")) {
                    Ipynb.setSource(cell, pointJars(Ipynb.source(cell), jar));
                }
            } else {
                cell = assignment.cell(spec.gradeId());
                JsonObject theirs = byId.get(spec.gradeId());
                if (theirs == null) {
                    missing.add(spec.gradeId());
                    notes.add("solution cell '" + spec.gradeId() + "' is missing from the submission; the stub was "
                            + "put in its place and the tests that follow it score 0");
                    Ipynb.setSource(cell, Markers.stubSolutions(Ipynb.source(cell), spec.gradeId()));
                } else {
                    String code = Ipynb.source(theirs);
                    Ipynb.setSource(cell, spec.cellType().equals("code") ? vet(code, spec.gradeId(), jar, notes) : code);
                }
            }
            clear(cell);
            roles.put(out.size(), spec.gradeId());
            out.add(cell);
            addStudentCells(out, anchored.get(spec.gradeId()), jar, notes);
        }
        if (setUp) {
            addStudentCells(out, first, jar, notes);
        }
        JsonObject nb = submission.deepCopy();
        nb.add("metadata", assignment.notebook().getAsJsonObject("metadata"));
        Ipynb.setCells(nb, out);
        return new Restored(nb, roles, missing, notes);
    }

    private static boolean isMarked(JsonObject m) {
        for (String k : List.of("grade", "solution", "locked", "task")) {
            if (m.has(k) && !m.get(k).isJsonNull() && m.get(k).getAsBoolean()) {
                return true;
            }
        }
        return false;
    }

    private static void checkBelongs(Assignment assignment, JsonObject submission, String name) {
        JsonObject md = submission.has("metadata") && submission.get("metadata").isJsonObject()
                ? submission.getAsJsonObject("metadata") : new JsonObject();
        if (md.has("labkit") && md.get("labkit").isJsonObject() && md.getAsJsonObject("labkit").has("assignment")) {
            String theirs = md.getAsJsonObject("labkit").get("assignment").getAsString();
            if (!theirs.equals(assignment.name())) {
                throw new IllegalArgumentException("'" + name + "' is a notebook of assignment '" + theirs
                        + "', not of '" + assignment.name() + "' (" + assignment.path() + ")");
            }
        }
        for (JsonObject cell : Ipynb.cells(submission)) {
            JsonObject m = Ipynb.nbgrader(cell);
            if (m != null && m.has("grade_id") && assignment.cells().containsKey(m.get("grade_id").getAsString())) {
                return;
            }
        }
        throw new IllegalArgumentException("'" + name + "' has none of the graded cells of assignment '"
                + assignment.name() + "' (" + assignment.path() + "): is it a notebook from another assignment, or "
                + "was it saved without cell metadata?");
    }

    private static void addStudentCells(List<JsonObject> out, List<JsonObject> cells, String jar, List<String> notes) {
        if (cells == null) {
            return;
        }
        for (JsonObject c : cells) {
            JsonObject cell = c.deepCopy();
            if (Ipynb.type(cell).equals("code")) {
                Ipynb.setSource(cell, vet(Ipynb.source(cell), "an ordinary cell", jar, notes));
            }
            clear(cell);
            out.add(cell);
        }
    }

    private static void clear(JsonObject cell) {
        if (Ipynb.type(cell).equals("code")) {
            cell.add("outputs", new JsonArray());
            cell.add("execution_count", com.google.gson.JsonNull.INSTANCE);
        }
    }

    /** Rewrites a {@code %jars …labkit….jar} line to the grader's jar. */
    static String pointJars(String source, String jar) {
        StringBuilder b = new StringBuilder();
        for (String line : source.split("\n", -1)) {
            b.append(LABKIT_JARS.matcher(line).matches() ? "%jars " + jar : line).append('\n');
        }
        return b.substring(0, b.length() - 1);
    }

    /**
     * A student code cell as the grader runs it: magics commented out, shadowing declarations refused, and line
     * separators other than LF and CR refused (the kernel splits lines at U+2028, U+2029, U+0085, VT and FF too,
     * which could hide a magic inside a {@code //} comment).
     */
    static String vet(String source, String where, String jar, List<String> notes) {
        int odd = oddSeparator(source);
        if (odd >= 0) {
            notes.add(where + " contains the line separator U+" + String.format("%04X", odd) + ", which the grader "
                    + "refuses in answer cells; the cell was replaced by an error");
            return "throw new IllegalStateException(\"labkit grader: this cell contains the line separator U+"
                    + String.format("%04X", odd) + "; use ordinary line breaks\");";
        }
        String code = String.join("\n", LINES.splitAsStream(source).filter(l -> !l.stripLeading().startsWith("%")).toList());
        String shadow = shadowedName(code); // magic lines are handled below
        if (shadow != null) {
            notes.add(where + " uses the name '" + shadow + "' on its own, which would hide the " + shadow
                    + ".* packages from the tests; the cell was replaced by an error");
            return "throw new IllegalStateException(\"labkit grader: this cell declares or imports the name '" + shadow
                    + "', which would hide the " + shadow + " packages from the tests; rename it\");";
        }
        StringBuilder b = new StringBuilder();
        boolean changed = false;
        for (String line : LINES.split(source, -1)) {
            if (LABKIT_JARS.matcher(line).matches()) {
                b.append("%jars ").append(jar);
            } else if (line.stripLeading().startsWith("%")) {
                b.append("// labkit grader: magic removed (not allowed in graded cells): ").append(line.strip());
                changed = true;
            } else {
                b.append(line);
            }
            b.append('\n');
        }
        if (changed) {
            notes.add(where + " had a magic command, which was removed");
        }
        return b.substring(0, b.length() - 1);
    }

    /**
     * A protected name ({@code labkit}, {@code java}, …) used as an identifier not followed by '.', which is how a
     * class, variable or import could hide the package; null when there is none. Unicode escapes are decoded and
     * comments and literals skipped first, and identifier-ignorable characters (a soft hyphen, zero-width
     * joiners, format controls) removed, as the compiler does.
     */
    static String shadowedName(String source) {
        String s = decodeUnicode(source).codePoints().filter(cp -> !Character.isIdentifierIgnorable(cp))
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
        StringBuilder code = new StringBuilder(s.length());
        int i = 0;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '/') {
                while (i < s.length() && s.charAt(i) != '\n') {
                    i++;
                }
            } else if (c == '/' && i + 1 < s.length() && s.charAt(i + 1) == '*') {
                int end = s.indexOf("*/", i + 2);
                i = end < 0 ? s.length() : end + 2;
                code.append(' ');
            } else if (s.startsWith("\"\"\"", i)) {
                int end = s.indexOf("\"\"\"", i + 3);
                i = end < 0 ? s.length() : end + 3;
                code.append("\"\"");
            } else if (c == '"' || c == '\'') {
                i++;
                while (i < s.length() && s.charAt(i) != c && s.charAt(i) != '\n') {
                    i += s.charAt(i) == '\\' ? 2 : 1;
                }
                i++;
                code.append("\"\"");
            } else {
                code.append(c);
                i++;
            }
        }
        String t = code.toString();
        for (int k = 0; k < t.length(); ) {
            if (Character.isJavaIdentifierStart(t.charAt(k))) {
                int start = k;
                while (k < t.length() && Character.isJavaIdentifierPart(t.charAt(k))) {
                    k++;
                }
                String word = t.substring(start, k);
                if (PROTECTED.contains(word)) {
                    int j = k;
                    while (j < t.length() && Character.isWhitespace(t.charAt(j))) {
                        j++;
                    }
                    if (j >= t.length() || t.charAt(j) != '.') {
                        return word;
                    }
                }
            } else {
                k++;
            }
        }
        return null;
    }

    private static String decodeUnicode(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 1 < s.length() && s.charAt(i + 1) == 'u') {
                int j = i + 1;
                while (j < s.length() && s.charAt(j) == 'u') {
                    j++;
                }
                if (j + 4 <= s.length()) {
                    try {
                        b.append((char) Integer.parseInt(s.substring(j, j + 4), 16));
                        i = j + 3;
                        continue;
                    } catch (NumberFormatException ignored) {
                        // not an escape: keep the backslash
                    }
                }
            }
            b.append(c);
        }
        return b.toString();
    }
}
