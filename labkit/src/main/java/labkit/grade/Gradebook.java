package labkit.grade;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code grades.csv}: one row per student — {@code student}, the points of each test cell (one column per
 * {@code grade_id}, in notebook order), {@code total}, {@code status} — sorted by student, RFC 4180 quoting.
 */
public final class Gradebook {
    private Gradebook() {}

    /** The CSV text for these results. */
    public static String csv(Assignment assignment, List<GradeResult> results) {
        List<String> ids = assignment.tests().stream().map(CellSpec::gradeId).toList();
        StringBuilder b = new StringBuilder();
        b.append("student");
        ids.forEach(id -> b.append(',').append(quote(id)));
        b.append(",total,status\r\n");
        for (GradeResult r : results.stream().sorted(Comparator.comparing(GradeResult::student)).toList()) {
            Map<String, Double> points = r.cells().stream()
                    .collect(Collectors.toMap(CellResult::gradeId, CellResult::points, (a, c) -> a));
            b.append(quote(r.student()));
            for (String id : ids) {
                b.append(',').append(number(points.getOrDefault(id, 0.0)));
            }
            b.append(',').append(number(r.points())).append(',').append(quote(r.status())).append("\r\n");
        }
        return b.toString();
    }

    /** Writes {@code grades.csv} into {@code out}. */
    public static Path write(Assignment assignment, List<GradeResult> results, Path out) {
        Path file = out.resolve("grades.csv");
        try {
            Files.writeString(file, csv(assignment, results), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    /** A number as the gradebook writes it: integers without decimals, else up to 4 decimals. */
    public static String number(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.4f", v).replaceAll("0+$", "");
    }

    static String quote(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }
}
