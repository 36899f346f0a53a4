package labkit.grade;

import java.util.regex.Pattern;

/**
 * The Java spelling of nbgrader's source markers: {@code // BEGIN SOLUTION} … {@code // END SOLUTION} and
 * {@code // BEGIN HIDDEN TESTS} … {@code // END HIDDEN TESTS}, each on a line of its own.
 */
public final class Markers {
    /** First line of the stub that replaces a solution region. */
    public static final String STUB_COMMENT = "// YOUR CODE HERE";
    /** Second line of the stub: fails loudly until the student writes the code. */
    public static final String STUB_THROW = "throw new UnsupportedOperationException(\"not implemented\");";
    /** What feedback shows where hidden tests were. */
    public static final String HIDDEN_NOTE = "// (hidden tests ran here)";

    private static final Pattern BEGIN_SOLUTION = marker("BEGIN SOLUTION");
    private static final Pattern END_SOLUTION = marker("END SOLUTION");
    private static final Pattern BEGIN_HIDDEN = marker("BEGIN HIDDEN TESTS");
    private static final Pattern END_HIDDEN = marker("END HIDDEN TESTS");

    private Markers() {}

    private static Pattern marker(String words) {
        return Pattern.compile("^\\s*(//|#{3})\\s*" + words + "\\s*$");
    }

    /** True when the source has a {@code BEGIN SOLUTION} line. */
    public static boolean hasSolution(String source) {
        return source.lines().anyMatch(l -> BEGIN_SOLUTION.matcher(l).matches());
    }

    /** True when the source has a {@code BEGIN HIDDEN TESTS} line. */
    public static boolean hasHidden(String source) {
        return source.lines().anyMatch(l -> BEGIN_HIDDEN.matcher(l).matches());
    }

    /**
     * The student's version of a solution cell: each solution region becomes the stub, indented like its
     * BEGIN line; a cell with no region becomes the stub as a whole (nbgrader does the same).
     */
    public static String stubSolutions(String source, String where) {
        if (!hasSolution(source)) {
            return STUB_COMMENT + "\n" + STUB_THROW + "\n";
        }
        return replaceRegions(source, BEGIN_SOLUTION, END_SOLUTION, "SOLUTION", where, true, null);
    }

    /** The test cell without its hidden tests (for the student copy). */
    public static String removeHidden(String source, String where) {
        return replaceRegions(source, BEGIN_HIDDEN, END_HIDDEN, "HIDDEN TESTS", where, false, null);
    }

    /** The test cell with each hidden region replaced by {@link #HIDDEN_NOTE} (for feedback). */
    public static String noteHidden(String source, String where) {
        return replaceRegions(source, BEGIN_HIDDEN, END_HIDDEN, "HIDDEN TESTS", where, false, HIDDEN_NOTE);
    }

    /** The hidden regions only (for the instructor bundle), or "" when there are none. */
    public static String hiddenOnly(String source) {
        StringBuilder out = new StringBuilder();
        boolean inside = false;
        for (String line : source.split("\n", -1)) {
            if (BEGIN_HIDDEN.matcher(line).matches()) {
                inside = true;
            } else if (END_HIDDEN.matcher(line).matches()) {
                inside = false;
            } else if (inside) {
                out.append(line).append('\n');
            }
        }
        return out.toString();
    }

    private static String replaceRegions(String source, Pattern begin, Pattern end, String name, String where,
                                         boolean stub, String note) {
        StringBuilder out = new StringBuilder();
        String[] lines = source.split("\n", -1);
        boolean inside = false;
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            boolean last = i == lines.length - 1;
            if (begin.matcher(line).matches()) {
                if (inside) {
                    throw new IllegalArgumentException(where + ": nested '// BEGIN " + name + "' at line " + (i + 1));
                }
                inside = true;
                String indent = line.substring(0, line.length() - line.stripLeading().length());
                if (stub) {
                    out.append(indent).append(STUB_COMMENT).append('\n').append(indent).append(STUB_THROW).append('\n');
                } else if (note != null) {
                    out.append(indent).append(note).append('\n');
                }
            } else if (end.matcher(line).matches()) {
                if (!inside) {
                    throw new IllegalArgumentException(where + ": '// END " + name + "' at line " + (i + 1)
                            + " without a '// BEGIN " + name + "' before it");
                }
                inside = false;
            } else if (!inside) {
                out.append(line);
                if (!last) {
                    out.append('\n');
                }
            }
        }
        if (inside) {
            throw new IllegalArgumentException(where + ": '// BEGIN " + name + "' is never closed by '// END " + name + "'");
        }
        return out.toString();
    }
}
