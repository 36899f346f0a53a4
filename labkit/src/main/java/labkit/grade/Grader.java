package labkit.grade;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import labkit.Labkit;

/**
 * Grades a folder of submissions against an assignment: one {@code .ipynb} per student, or one folder per
 * student holding one notebook. Each submission is restored ({@link Restorer}), run in its own sandboxed kernel
 * ({@link Executor}) and scored ({@link Scorer}); results go to {@code results/<student>.json} and
 * {@code feedback/<student>.html} as each finishes, and {@code grades.csv} is rebuilt from all result files at the
 * end. A result whose submission and source checksums still match is not graded again, so an interrupted batch
 * resumes where it stopped.
 */
public final class Grader {
    private final Assignment assignment;
    private final Sandbox sandbox;
    private final Path out;
    private final boolean quick;
    private final PrintStream log;
    private final String sourceSha;

    /** A grader writing into {@code out}; {@code quick} sets LABKIT_QUICK=1 in the kernels. */
    public Grader(Assignment assignment, Sandbox sandbox, Path out, boolean quick, PrintStream log) {
        this.assignment = assignment;
        this.sandbox = sandbox;
        this.out = out;
        this.quick = quick;
        this.log = log;
        this.sourceSha = sha256(assignment.path());
    }

    /** A submission to grade: the student's name and the notebook file. */
    public record Submission(String student, Path notebook, String relative, String problem) {}

    /** Finds the submissions in {@code dir}; folders with no or several notebooks come back with a problem. */
    public static List<Submission> find(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no submissions folder at '" + dir + "'");
        }
        List<Submission> found = new ArrayList<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.sorted().toList()) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                if (Files.isDirectory(p)) {
                    List<Path> nbs;
                    try (Stream<Path> inside = Files.walk(p)) {
                        nbs = inside.filter(q -> q.toString().endsWith(".ipynb") && Files.isRegularFile(q)
                                && !q.toString().contains(".ipynb_checkpoints")).sorted().toList();
                    }
                    String problem = nbs.isEmpty() ? "folder '" + p + "' has no .ipynb notebook"
                            : nbs.size() > 1 ? "folder '" + p + "' has " + nbs.size() + " notebooks " + nbs
                            + "; leave exactly one" : null;
                    Path nb = nbs.isEmpty() ? p : nbs.get(0);
                    found.add(new Submission(safe(name), nb, dir.relativize(nb).toString(), problem));
                } else if (name.endsWith(".ipynb")) {
                    found.add(new Submission(safe(name.substring(0, name.length() - 6)), p, name, null));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        return found;
    }

    private static String safe(String name) {
        String s = name.replaceAll("[^A-Za-z0-9._@-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
    }

    /** Grades everything in {@code submissions} with {@code jobs} kernels at a time; returns all results. */
    public List<GradeResult> gradeAll(Path submissions, int jobs) {
        List<Submission> subs = find(submissions);
        try {
            Files.createDirectories(out.resolve("results"));
            Files.createDirectories(out.resolve("feedback"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + out, e);
        }
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, jobs));
        List<Future<GradeResult>> futures = new ArrayList<>();
        for (Submission s : subs) {
            futures.add(pool.submit(() -> gradeOrReuse(s)));
        }
        List<GradeResult> results = new ArrayList<>();
        try {
            for (Future<GradeResult> f : futures) {
                results.add(f.get());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("grading interrupted; run the same command again to resume", e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("grading failed: " + e.getCause(), e.getCause());
        } finally {
            pool.shutdownNow();
        }
        Gradebook.write(assignment, results, out);
        return results;
    }

    private GradeResult gradeOrReuse(Submission s) {
        Path resultFile = out.resolve("results").resolve(s.student() + ".json");
        String sha = Files.isRegularFile(s.notebook()) ? sha256(s.notebook()) : "";
        if (Files.isRegularFile(resultFile)) {
            try {
                GradeResult old = GradeResult.fromJson(JsonParser.parseString(
                        Files.readString(resultFile, StandardCharsets.UTF_8)).getAsJsonObject());
                if (old.sha256().equals(sha) && old.sourceSha256().equals(sourceSha)) {
                    log.printf("%-20s already graded: %s / %s (%s)%n", s.student(), Gradebook.number(old.points()),
                            Gradebook.number(old.maxPoints()), old.status());
                    return old;
                }
            } catch (IOException | RuntimeException e) {
                // unreadable or partial: grade again
            }
        }
        GradeResult r = grade(s, sha);
        log.printf("%-20s %s / %s  %s%s  (%.0f s)%n", s.student(), Gradebook.number(r.points()),
                Gradebook.number(r.maxPoints()), r.status(), r.message().isEmpty() ? "" : ": " + r.message(), r.seconds());
        return r;
    }

    /** Grades one submission and writes its result and feedback files. */
    GradeResult grade(Submission s, String sha) {
        List<String> notes = new ArrayList<>();
        GradeResult result;
        String html;
        if (s.problem() != null) {
            result = invalid(s, sha, s.problem());
            html = invalidHtml(result);
        } else {
            JsonObject nb;
            Restorer.Restored restored;
            try {
                nb = Ipynb.read(s.notebook());
                restored = Restorer.restore(assignment, nb, s.notebook().toString(), sandbox.jar());
            } catch (IllegalArgumentException e) {
                result = invalid(s, sha, e.getMessage());
                write(s, result, invalidHtml(result));
                return result;
            }
            notes.addAll(restored.notes());
            Executor.Execution run = Executor.run(sandbox, restored.notebook(), quick);
            List<CellResult> cells = Scorer.score(assignment, restored, run, notes);
            double points = cells.stream().filter(c -> c.kind().equals("test")).mapToDouble(CellResult::points).sum();
            String status = run.status().equals("completed") ? "graded" : run.status();
            result = new GradeResult(s.student(), s.relative(), sha, assignment.name(), sourceSha, status,
                    run.message(), Math.round(points * 1e4) / 1e4, assignment.maxPoints(), cells, notes,
                    sandbox.features(), run.wallSeconds(), Instant.now().toString(), Labkit.version(),
                    Runtime.version().toString());
            html = Feedback.html(result, assignment, restored, run);
        }
        write(s, result, html);
        return result;
    }

    private GradeResult invalid(Submission s, String sha, String why) {
        return new GradeResult(s.student(), s.relative(), sha, assignment.name(), sourceSha, "invalid", why, 0,
                assignment.maxPoints(), List.of(), List.of(), sandbox.features(), 0, Instant.now().toString(),
                Labkit.version(), Runtime.version().toString());
    }

    private static String invalidHtml(GradeResult r) {
        return "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + Feedback.esc(r.student())
                + "</title></head><body><h1>" + Feedback.esc(r.assignment() + " — " + r.student())
                + "</h1><p>Not graded: " + Feedback.esc(r.message()) + "</p></body></html>\n";
    }

    private void write(Submission s, GradeResult result, String html) {
        try {
            Files.writeString(out.resolve("feedback").resolve(s.student() + ".html"), html, StandardCharsets.UTF_8);
            Path file = out.resolve("results").resolve(s.student() + ".json");
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, Ipynb.toJson(result.toJson()) + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write results for " + s.student(), e);
        }
    }

    /** SHA-256 of a file, hex. */
    public static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
