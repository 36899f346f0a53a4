package labkit.grade;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import labkit.Labkit;

/**
 * {@code labkit assign}: from a source notebook, the student version (solutions replaced by the stub, hidden tests
 * removed, outputs cleared) and the instructor bundle (the source, the hidden tests, a manifest with checksums).
 * Before releasing, it runs the source (every test must pass) and the student version (no test may pass).
 */
public final class Assigner {
    private Assigner() {}

    /** The student version of the source notebook (pure; no files). */
    public static JsonObject studentVersion(Assignment a) {
        JsonObject nb = a.notebook();
        List<JsonObject> cells = Ipynb.cells(nb);
        for (CellSpec spec : a.cells().values()) {
            JsonObject cell = cells.get(spec.index());
            String where = "'" + a.path() + "' cell '" + spec.gradeId() + "'";
            String src = Ipynb.source(cell);
            if (spec.kind() == CellSpec.Kind.SOLUTION || spec.kind() == CellSpec.Kind.MANUAL) {
                Ipynb.setSource(cell, spec.cellType().equals("code") ? Markers.stubSolutions(src, where)
                        : "YOUR ANSWER HERE\n");
            } else if (spec.kind() == CellSpec.Kind.TEST) {
                Ipynb.setSource(cell, Markers.removeHidden(src, where));
            }
        }
        Ipynb.setCells(nb, cells);
        Ipynb.clearOutputs(nb);
        JsonObject md = nb.getAsJsonObject("metadata");
        JsonObject labkit = new JsonObject();
        labkit.addProperty("assignment", a.name());
        md.add("labkit", labkit);
        return nb;
    }

    /** The manifest: assignment, checksums of the source and of each student cell, points. */
    public static JsonObject manifest(Assignment a, JsonObject student, String studentFile) {
        JsonObject m = new JsonObject();
        m.addProperty("schema", "labkit-assignment-manifest/1");
        m.addProperty("assignment", a.name());
        m.addProperty("source", a.path().getFileName().toString());
        m.addProperty("source_sha256", Grader.sha256(a.path()));
        m.addProperty("student_notebook", studentFile);
        m.addProperty("student_notebook_sha256", sha256(Ipynb.toJson(student) + "\n"));
        m.addProperty("max_points", a.maxPoints());
        JsonArray cells = new JsonArray();
        List<JsonObject> sc = Ipynb.cells(student);
        for (CellSpec spec : a.cells().values()) {
            JsonObject c = new JsonObject();
            c.addProperty("grade_id", spec.gradeId());
            c.addProperty("kind", spec.kind().name().toLowerCase());
            c.addProperty("points", spec.points());
            c.addProperty("hidden_tests", Markers.hasHidden(Ipynb.source(a.cell(spec.gradeId()))));
            c.addProperty("student_source_sha256", sha256(Ipynb.source(sc.get(spec.index()))));
            cells.add(c);
        }
        m.add("cells", cells);
        m.addProperty("labkit", Labkit.version());
        m.addProperty("created", Instant.now().toString());
        return m;
    }

    /**
     * Writes {@code out/student/<name>.ipynb} and {@code out/instructor/} (source, hidden-tests.md, manifest.json);
     * folders it creates are 0700.
     * With a sandbox, validates first and throws {@link IllegalStateException} naming the failing cells instead of
     * releasing.
     */
    public static Path assign(Path source, Path out, Sandbox sandbox, boolean quick, PrintStream log) {
        Assignment a = Assignment.load(source);
        JsonObject student = studentVersion(a);
        if (sandbox != null) {
            List<String> problems = new ArrayList<>();
            log.println("validating the solution notebook (every test must pass) …");
            GradeResult solution = Validator.validate(a, a.notebook(), "the source", sandbox, quick);
            log.print(Validator.table(solution));
            for (CellResult c : solution.cells()) {
                if (c.kind().equals("test") && c.points() < c.maxPoints()) {
                    problems.add("solution notebook fails test '" + c.gradeId() + "': " + c.status() + " " + c.message());
                }
            }
            log.println("validating the student notebook (no test may pass) …");
            GradeResult stub = Validator.validate(a, student, "the student version", sandbox, quick);
            log.print(Validator.table(stub));
            for (CellResult c : stub.cells()) {
                if (c.kind().equals("test") && c.points() > 0) {
                    problems.add("student notebook (stubs) passes test '" + c.gradeId() + "': make the test need the "
                            + "solution");
                }
            }
            if (!problems.isEmpty()) {
                throw new IllegalStateException("not released: " + String.join("; ", problems));
            }
        }
        String file = a.name() + ".ipynb";
        Path studentFile = out.resolve("student").resolve(file);
        Path instructor = out.resolve("instructor");
        try {
            Grader.privateDirectory(out);
            Grader.privateDirectory(studentFile.getParent());
            Grader.privateDirectory(instructor);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the release folder " + out, e);
        }
        Ipynb.write(student, studentFile);
        try {
            Files.copy(source, instructor.resolve("source.ipynb"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            StringBuilder hidden = new StringBuilder("# Hidden tests of " + a.name() + "\n\nNever give this file to "
                    + "students. The grader puts these back into the test cells.\n");
            for (CellSpec spec : a.tests()) {
                String h = Markers.hiddenOnly(Ipynb.source(a.cell(spec.gradeId())));
                if (!h.isEmpty()) {
                    hidden.append("\n## ").append(spec.gradeId()).append("\n\n```java\n").append(h).append("```\n");
                }
            }
            Files.writeString(instructor.resolve("hidden-tests.md"), hidden, StandardCharsets.UTF_8);
            Files.writeString(instructor.resolve("manifest.json"), Ipynb.toJson(manifest(a, student, "student/" + file))
                    + "\n", StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the instructor bundle in " + instructor, e);
        }
        return studentFile;
    }

    static String sha256(String text) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
