package labkit.grade;

import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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

    /**
     * Rebuilds {@code grades.csv} in {@code out} from {@code results} and every other result file of the assignment
     * under {@code out/results} (a batch that graded nobody, or only some, drops no row), written to a temporary file
     * and renamed. Unreadable result files are named on {@code log}; when the old gradebook has a row that no
     * readable result backs, it is left as it was and an {@link IllegalStateException} says why.
     */
    public static Path write(Assignment assignment, List<GradeResult> results, Path out, PrintStream log) {
        Path file = out.resolve("grades.csv");
        Map<String, GradeResult> all = new TreeMap<>();
        Path dir = out.resolve("results");
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".json")).sorted().toList()) {
                    try {
                        GradeResult r = GradeResult.fromJson(JsonParser.parseString(
                                Files.readString(f, StandardCharsets.UTF_8)).getAsJsonObject());
                        if (r.assignment().equals(assignment.name())) {
                            all.put(r.student(), r);
                        }
                    } catch (IOException | RuntimeException e) {
                        log.println("warning: result file '" + f + "' is unreadable (" + e.getMessage() + ")");
                    }
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + dir, e);
            }
        }
        results.forEach(r -> all.put(r.student(), r));
        List<String> lost = lostRows(file, all.keySet());
        if (!lost.isEmpty()) {
            throw new IllegalStateException("not rewriting " + file + ": it has rows for " + lost + " but there is no "
                    + "readable result file for them in " + dir + "; restore those files or move grades.csv away");
        }
        try {
            Path tmp = file.resolveSibling("grades.csv.tmp");
            Files.writeString(tmp, csv(assignment, List.copyOf(all.values())), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        return file;
    }

    /** Students with a row in the existing gradebook {@code file} who are not in {@code kept}. */
    private static List<String> lostRows(Path file, Set<String> kept) {
        if (!Files.isRegularFile(file)) {
            return List.of();
        }
        try {
            List<String> lost = new ArrayList<>();
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                String student = firstField(line);
                if (!student.isEmpty() && !kept.contains(student)) {
                    lost.add(student);
                }
            }
            return lost;
        } catch (IOException | RuntimeException e) {
            return List.of(); // not a gradebook we wrote: it is replaced
        }
    }

    private static String firstField(String line) {
        if (!line.startsWith("\"")) {
            int comma = line.indexOf(',');
            return comma < 0 ? line : line.substring(0, comma);
        }
        StringBuilder b = new StringBuilder();
        for (int i = 1; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                b.append('"');
                i++;
            } else if (c == '"') {
                break;
            } else {
                b.append(c);
            }
        }
        return b.toString();
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
