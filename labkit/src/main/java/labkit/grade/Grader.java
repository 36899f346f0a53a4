package labkit.grade;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
 * end (every result file of the assignment, so a batch never drops a grade). A result whose submission and source
 * checksums still match is not graded again, so an interrupted batch resumes where it stopped, unless its run
 * failed for an environmental reason (kernel-start-failed, kernel-died, error).
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

    /**
     * A submission to grade: the student's name, the notebook file, its path under the submissions folder, why it
     * cannot be graded (null when it can) and what the grader noticed about it (e.g. a renamed student).
     */
    public record Submission(String student, Path notebook, String relative, String problem, List<String> notes) {}

    /** What a submissions folder holds: the submissions, and each entry skipped with the reason. */
    public record Batch(List<Submission> submissions, List<String> skipped) {}

    /** Statuses of runs that failed for a reason outside the submission: never reused when resuming. */
    static final Set<String> ENVIRONMENTAL = Set.of("kernel-start-failed", "kernel-died", "error");

    /**
     * Finds the submissions in {@code dir}; folders with no or several notebooks, symbolic links and notebooks over
     * {@code maxBytes} come back with a problem; students whose names collide are kept under distinct names; other
     * entries (dot-files, non-notebooks) are listed as skipped.
     */
    public static Batch find(Path dir, long maxBytes) {
        if (!Files.isDirectory(dir)) {
            throw new IllegalArgumentException("no submissions folder at '" + dir + "'");
        }
        List<Submission> found = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Map<String, String> taken = new HashMap<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path p : entries.sorted().toList()) {
                String name = p.getFileName().toString();
                boolean link = Files.isSymbolicLink(p);
                boolean folder = !link && Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
                if (name.startsWith(".")) {
                    skipped.add(name + " (hidden " + (folder ? "folder" : "file") + ")");
                    continue;
                }
                if (!folder && !name.endsWith(".ipynb")) {
                    skipped.add(name + (link ? " (symbolic link, not a notebook)" : " (not a .ipynb notebook)"));
                    continue;
                }
                String base = folder ? name : name.substring(0, name.length() - 6);
                List<String> notes = new ArrayList<>();
                String student = unique(safe(base), name, taken, notes);
                if (link) {
                    found.add(new Submission(student, p, name, "'" + name + "' is a symbolic link; the grader refuses "
                            + "links (submit the notebook file itself)", notes));
                } else if (folder) {
                    List<Path> nbs;
                    List<Path> links;
                    try (Stream<Path> inside = Files.walk(p)) {
                        List<Path> all = inside.filter(q -> q.toString().endsWith(".ipynb")
                                && !q.toString().contains(".ipynb_checkpoints")).sorted().toList();
                        links = all.stream().filter(Files::isSymbolicLink).toList();
                        nbs = all.stream().filter(q -> Files.isRegularFile(q, LinkOption.NOFOLLOW_LINKS)).toList();
                    }
                    String problem = !links.isEmpty() ? "folder '" + p + "' holds symbolic link(s) " + links
                            + "; the grader refuses links (submit the notebook file itself)"
                            : nbs.isEmpty() ? "folder '" + p + "' has no .ipynb notebook"
                            : nbs.size() > 1 ? "folder '" + p + "' has " + nbs.size() + " notebooks " + nbs
                            + "; leave exactly one" : tooLarge(nbs.get(0), maxBytes);
                    Path nb = nbs.isEmpty() ? p : nbs.get(0);
                    found.add(new Submission(student, nb, dir.relativize(nb).toString(), problem, notes));
                } else {
                    found.add(new Submission(student, p, name, tooLarge(p, maxBytes), notes));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        return new Batch(found, skipped);
    }

    private static String tooLarge(Path nb, long maxBytes) throws IOException {
        long size = Files.size(nb);
        return size > maxBytes ? "'" + nb + "' is " + size + " bytes, over the submission size limit of " + maxBytes
                + " bytes (--max-submission); clear the notebook's outputs and submit again" : null;
    }

    private static String safe(String name) {
        String s = name.replaceAll("[^A-Za-z0-9._@-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "_" + s : s;
    }

    /** {@code wanted}, or wanted-2, -3 … when another entry already has it (both students are kept). */
    private static String unique(String wanted, String entry, Map<String, String> taken, List<String> notes) {
        String name = wanted;
        for (int k = 2; taken.containsKey(name); k++) {
            name = wanted + "-" + k;
        }
        if (!name.equals(wanted)) {
            notes.add("student name collision: '" + entry + "' and '" + taken.get(wanted) + "' both make the name '"
                    + wanted + "'; this submission is graded as '" + name + "'");
        }
        taken.put(name, entry);
        return name;
    }

    /** Grades everything in {@code submissions} with {@code jobs} kernels at a time; returns all results. */
    public List<GradeResult> gradeAll(Path submissions, int jobs) {
        Batch batch = find(submissions, sandbox.limits().maxSubmissionBytes());
        List<Submission> subs = batch.submissions();
        batch.skipped().forEach(x -> log.println("skipped: " + x));
        subs.forEach(x -> x.notes().forEach(n -> log.println("note: " + n)));
        try {
            privateDirectory(out);
            privateDirectory(out.resolve("results"));
            privateDirectory(out.resolve("feedback"));
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
        Gradebook.write(assignment, results, out, log);
        return results;
    }

    private GradeResult gradeOrReuse(Submission s) {
        Path resultFile = out.resolve("results").resolve(s.student() + ".json");
        String sha = s.problem() == null && Files.isRegularFile(s.notebook(), LinkOption.NOFOLLOW_LINKS)
                ? sha256(s.notebook()) : "";
        if (Files.isRegularFile(resultFile)) {
            try {
                GradeResult old = GradeResult.fromJson(JsonParser.parseString(
                        Files.readString(resultFile, StandardCharsets.UTF_8)).getAsJsonObject());
                if (old.sha256().equals(sha) && old.sourceSha256().equals(sourceSha)
                        && !ENVIRONMENTAL.contains(old.status())) {
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
        List<String> notes = new ArrayList<>(s.notes());
        GradeResult result;
        String html;
        if (s.problem() != null) {
            result = invalid(s, sha, s.problem(), notes);
            html = invalidHtml(result);
        } else {
            JsonObject nb;
            Restorer.Restored restored;
            try {
                nb = Ipynb.read(s.notebook());
                restored = Restorer.restore(assignment, nb, s.notebook().toString(), sandbox.jar());
            } catch (IllegalArgumentException e) {
                result = invalid(s, sha, e.getMessage(), notes);
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

    private GradeResult invalid(Submission s, String sha, String why, List<String> notes) {
        return new GradeResult(s.student(), s.relative(), sha, assignment.name(), sourceSha, "invalid", why, 0,
                assignment.maxPoints(), List.of(), notes, sandbox.features(), 0, Instant.now().toString(),
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

    /** Creates {@code dir} (and its parents) when missing; a folder it creates is 0700 (owner only). */
    static void privateDirectory(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir);
            Sandbox.setMode(dir, "rwx------");
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
