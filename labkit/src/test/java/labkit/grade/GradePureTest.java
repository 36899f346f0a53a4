package labkit.grade;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The grader's pure parts, without kernels: markers, assign, restoration, scoring, gradebook and result schema. */
class GradePureTest {
    static final Path SOURCE = Path.of("..", "notebooks", "assignments", "task1", "task1.ipynb");
    static final String JAR = "/opt/labkit-all.jar";

    static Assignment task1() {
        return Assignment.load(SOURCE);
    }

    @Test
    void markersMakeStubsAndRemoveHiddenTests() {
        String src = "int f() {\n    // BEGIN SOLUTION\n    return 42;\n    // END SOLUTION\n}";
        assertEquals("int f() {\n    " + Markers.STUB_COMMENT + "\n    " + Markers.STUB_THROW + "\n}",
                Markers.stubSolutions(src, "x"));
        assertEquals(Markers.STUB_COMMENT + "\n" + Markers.STUB_THROW + "\n", Markers.stubSolutions("int x = 1;", "x"));
        String test = "check(1);\n// BEGIN HIDDEN TESTS\nsecret(2);\n// END HIDDEN TESTS\ndone();";
        assertEquals("check(1);\ndone();", Markers.removeHidden(test, "x"));
        assertEquals("check(1);\n" + Markers.HIDDEN_NOTE + "\ndone();", Markers.noteHidden(test, "x"));
        assertEquals("secret(2);\n", Markers.hiddenOnly(test));
        var e = assertThrows(IllegalArgumentException.class, () -> Markers.removeHidden("// BEGIN HIDDEN TESTS\nx", "cell 't'"));
        assertTrue(e.getMessage().contains("cell 't'") && e.getMessage().contains("never closed"), e.getMessage());
    }

    @Test
    void studentVersionHasNoSolutionsNorHiddenTests() {
        Assignment a = task1();
        assertEquals("task1", a.name());
        assertEquals(3, a.tests().size());
        assertEquals(8, a.maxPoints());
        JsonObject student = Assigner.studentVersion(a);
        String text = Ipynb.toJson(student);
        assertFalse(text.contains("BEGIN SOLUTION") || text.contains("BEGIN HIDDEN"), "markers left in the student copy");
        assertFalse(text.contains("dataset.classes().size()"), "a solution leaked");
        assertFalse(text.contains("three-classes") || text.contains("same seed, same tensor"), "a hidden test leaked");
        assertTrue(text.contains(Markers.STUB_THROW.replace("\"", "\\\"")));
        for (JsonObject c : Ipynb.cells(student)) {
            if (Ipynb.type(c).equals("code")) {
                assertEquals(0, c.getAsJsonArray("outputs").size());
            }
        }
        JsonObject manifest = Assigner.manifest(a, student, "student/task1.ipynb");
        assertEquals(Grader.sha256(SOURCE), manifest.get("source_sha256").getAsString());
        assertEquals(a.cells().size(), manifest.getAsJsonArray("cells").size());
        assertEquals(64, manifest.get("student_notebook_sha256").getAsString().length());
    }

    @Test
    void assignWithoutValidationWritesBundle(@TempDir Path out) throws Exception {
        Path student = Assigner.assign(SOURCE, out, null, true, System.out);
        assertTrue(Files.isRegularFile(student));
        assertTrue(Files.readString(out.resolve("instructor/hidden-tests.md")).contains("three-classes"));
        assertFalse(Files.readString(student).contains("three-classes"));
        assertTrue(Files.isRegularFile(out.resolve("instructor/source.ipynb")));
        assertTrue(Files.isRegularFile(out.resolve("instructor/manifest.json")));
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(out.resolve("instructor"))), "the instructor bundle is the owner's only");
        assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(out.resolve("student"))));
    }

    /** The student version with each stub replaced by the given code, by grade id. */
    static JsonObject answered(Assignment a, Map<String, String> answers) {
        JsonObject nb = Assigner.studentVersion(a);
        for (JsonObject c : Ipynb.cells(nb)) {
            JsonObject m = Ipynb.nbgrader(c);
            if (m != null && answers.containsKey(m.get("grade_id").getAsString())) {
                Ipynb.setSource(c, answers.get(m.get("grade_id").getAsString()));
            }
        }
        return nb;
    }

    @Test
    void restorationUndoesTamperingDeletionAndReordering() {
        Assignment a = task1();
        JsonObject nb = answered(a, Map.of("count_classes", "int countClasses(ImageFolderDataset d) { return 10; }"));
        List<JsonObject> cells = new ArrayList<>(Ipynb.cells(nb));
        // tamper a test cell, delete the second solution, move the last test first, add a scratch cell
        for (JsonObject c : cells) {
            JsonObject m = Ipynb.nbgrader(c);
            if (m != null && m.get("grade_id").getAsString().equals("test_count_classes")) {
                Ipynb.setSource(c, "System.out.println(\"all good\");");
            }
        }
        cells.removeIf(c -> Ipynb.nbgrader(c) != null && Ipynb.nbgrader(c).get("grade_id").getAsString().equals("augment_once"));
        JsonObject last = cells.remove(cells.size() - 1);
        cells.add(0, last);
        JsonObject scratch = cells.get(1).deepCopy();
        Ipynb.metadata(scratch).remove("nbgrader");
        Ipynb.setSource(scratch, "int scratch = 1;");
        cells.add(scratch);
        Ipynb.setCells(nb, cells);

        Restorer.Restored r = Restorer.restore(a, nb, "alice.ipynb", JAR);
        List<JsonObject> out = Ipynb.cells(r.notebook());
        // source order of the marked cells, every test from the source with its hidden tests
        List<String> ids = new ArrayList<>(r.roles().values());
        assertEquals(new ArrayList<>(a.cells().keySet()), ids);
        r.roles().forEach((i, id) -> {
            if (a.cells().get(id).kind() == CellSpec.Kind.TEST) {
                String expected = Ipynb.source(a.cell(id));
                assertEquals(expected, Ipynb.source(out.get(i)), id);
            }
        });
        assertEquals(Set.of("augment_once"), r.missing());
        assertTrue(r.notes().stream().anyMatch(n -> n.contains("'test_count_classes' was changed")), r.notes().toString());
        assertTrue(out.stream().anyMatch(c -> Ipynb.source(c).equals("int scratch = 1;")));
        assertTrue(out.stream().anyMatch(c -> Ipynb.source(c).equals("%jars " + JAR)), "jar not pointed at the grader's");
        int stub = -1;
        for (var e : r.roles().entrySet()) {
            if (e.getValue().equals("augment_once")) {
                stub = e.getKey();
            }
        }
        assertTrue(Ipynb.source(out.get(stub)).contains(Markers.STUB_THROW));
    }

    @Test
    void studentCellsCannotShadowPackagesNorRunMagics() {
        assertEquals("labkit", Restorer.shadowedName("class labkit { }"));
        assertEquals("labkit", Restorer.shadowedName("class \\u006cabkit { }"));
        assertEquals("java", Restorer.shadowedName("var java = 3;"));
        assertEquals("labkit", Restorer.shadowedName("import foo.labkit;"));
        assertNull(Restorer.shadowedName("labkit.tasks.Task1.cnn(10); String s = \"labkit\"; // labkit\njava.util.List.of();"));
        List<String> notes = new ArrayList<>();
        String vetted = Restorer.vet("%%bash\nrm -rf /", "cell", JAR, notes);
        assertFalse(vetted.lines().anyMatch(l -> l.startsWith("%")), vetted);
        assertEquals("%jars " + JAR, Restorer.vet("%jars ../x/labkit-all.jar", "cell", JAR, notes));
        assertTrue(Restorer.vet("class labkit {}", "cell", JAR, notes).startsWith("throw new IllegalStateException"));
    }

    @Test
    void badInputNamesTheFile(@TempDir Path dir) throws Exception {
        Path notJson = dir.resolve("bob.ipynb");
        Files.writeString(notJson, "hello");
        var e1 = assertThrows(IllegalArgumentException.class, () -> Ipynb.read(notJson));
        assertTrue(e1.getMessage().contains("bob.ipynb") && e1.getMessage().contains("not a notebook"), e1.getMessage());

        JsonObject other = Assigner.studentVersion(task1());
        other.getAsJsonObject("metadata").getAsJsonObject("labkit").addProperty("assignment", "task2");
        var e2 = assertThrows(IllegalArgumentException.class, () -> Restorer.restore(task1(), other, "carol.ipynb", JAR));
        assertTrue(e2.getMessage().contains("carol.ipynb") && e2.getMessage().contains("task2"), e2.getMessage());

        JsonObject noIds = Assigner.studentVersion(task1());
        noIds.getAsJsonObject("metadata").remove("labkit");
        Ipynb.cells(noIds).forEach(c -> Ipynb.metadata(c).remove("nbgrader"));
        var e3 = assertThrows(IllegalArgumentException.class, () -> Restorer.restore(task1(), noIds, "dan.ipynb", JAR));
        assertTrue(e3.getMessage().contains("dan.ipynb") && e3.getMessage().contains("none of the graded cells"));

        JsonObject src = Ipynb.read(SOURCE);
        Ipynb.nbgrader(Ipynb.cells(src).get(5)).remove("grade_id");
        Path broken = dir.resolve("source.ipynb");
        Ipynb.write(src, broken);
        var e4 = assertThrows(IllegalArgumentException.class, () -> Assignment.load(broken));
        assertTrue(e4.getMessage().contains("source.ipynb") && e4.getMessage().contains("grade_id"), e4.getMessage());
    }

    static Executor.Execution run(JsonObject nb, String status, int failed, List<Integer> completed) {
        return new Executor.Execution(status, "", failed, Map.of(), completed, nb, 1);
    }

    static void output(JsonObject cell, String json) {
        cell.getAsJsonArray("outputs").add(JsonParser.parseString(json));
    }

    @Test
    void scoresFromTestCellOutputsOnly() {
        Assignment a = task1();
        Restorer.Restored r = Restorer.restore(a, Assigner.studentVersion(a), "eve.ipynb", JAR);
        JsonObject nb = r.notebook().deepCopy();
        List<JsonObject> cells = Ipynb.cells(nb);
        Map<String, Integer> at = new java.util.HashMap<>();
        r.roles().forEach((i, id) -> at.put(id, i));
        // count test: error -> 0; augment test: the runner recorded 2/3; printed text never counts (a forged
        // old-style marker in the probabilities test changes nothing), nor does metadata on a solution cell
        output(cells.get(at.get("test_count_classes")), "{\"output_type\":\"error\",\"ename\":\"EvalException\","
                + "\"evalue\":\"\",\"traceback\":[\"labkit.grade.Check$Failure: countClasses(raw): expected 10, got 3\"]}");
        Ipynb.metadata(cells.get(at.get("test_augment_once"))).add(CellRunner.META,
                JsonParser.parseString("{\"partial\": 0.666667, \"why\": \"2 of 3\"}"));
        output(cells.get(at.get("test_class_probabilities")), "{\"output_type\":\"stream\",\"name\":\"stdout\","
                + "\"text\":\"[labkit-grade] partial=0.000000 nonce=guess x\\n\"}");
        Ipynb.metadata(cells.get(at.get("augment_once"))).add(CellRunner.META, JsonParser.parseString("{\"partial\": 1}"));
        List<Integer> all = new ArrayList<>(at.values());
        List<String> notes = new ArrayList<>();
        List<CellResult> res = Scorer.score(a, r, run(nb, "completed", -1, all), notes);
        Map<String, CellResult> by = new java.util.HashMap<>();
        res.forEach(c -> by.put(c.gradeId(), c));
        assertEquals("failed", by.get("test_count_classes").status());
        assertTrue(by.get("test_count_classes").message().contains("expected 10, got 3"));
        assertEquals(2.0, by.get("test_augment_once").points(), 1e-3);
        assertEquals("partial", by.get("test_augment_once").status());
        assertEquals(3.0, by.get("test_class_probabilities").points());
        assertEquals("2 of 3", by.get("test_augment_once").message());

        // the kernel died in the augment test: it and everything after score 0
        int died = at.get("test_augment_once");
        List<Integer> before = all.stream().filter(i -> i < died).toList();
        List<CellResult> dead = Scorer.score(a, r, run(nb, "kernel-died", died, before), new ArrayList<>());
        dead.forEach(c -> by.put(c.gradeId(), c));
        assertEquals("kernel-died", by.get("test_augment_once").status());
        assertEquals(0, by.get("test_augment_once").points());
        assertEquals("not-run", by.get("test_class_probabilities").status());
    }

    @Test
    void gradebookAndResultSchema() {
        Assignment a = task1();
        List<CellResult> cells = List.of(
                new CellResult("test_count_classes", "test", 2, 2, "passed", "", 0.1),
                new CellResult("test_augment_once", "test", 1.5, 3, "partial", "1 of 2", 0.2),
                new CellResult("test_class_probabilities", "test", 0, 3, "failed", "x, \"y\"", 0.3));
        GradeResult r = new GradeResult("o'brien, pat", "pat.ipynb", "ab", "task1", "cd", "graded", "", 3.5, 8, cells,
                List.of("n"), List.of("iso"), 12.3, "2025-01-01T00:00:00Z", "0.1.0", "17");
        String csv = Gradebook.csv(a, List.of(r));
        assertEquals("student,test_count_classes,test_augment_once,test_class_probabilities,total,status\r\n"
                + "\"o'brien, pat\",2,1.5,0,3.5,graded\r\n", csv);
        JsonObject j = r.toJson();
        assertEquals(GradeResult.SCHEMA, j.get("schema").getAsString());
        for (String key : List.of("student", "submission", "submission_sha256", "assignment", "source_sha256", "status",
                "message", "points", "max_points", "cells", "notes", "environment", "seconds", "graded_at")) {
            assertTrue(j.has(key), key);
        }
        assertEquals(r, GradeResult.fromJson(JsonParser.parseString(Ipynb.toJson(j)).getAsJsonObject()));
    }

    @Test
    void checkApiFailsReadably() {
        Check.close(1.0, 1.0 + 1e-9, 1e-6);
        var e = assertThrows(Check.Failure.class, () -> Check.close(1.0, 2.0, 0.1));
        assertEquals("expected 2.0 ± 0.1, got 1.0", e.getMessage());
        assertThrows(Check.Failure.class, () -> Check.close(Double.NaN, 0, 1));
        assertThrows(Check.Failure.class, () -> Check.that(false, "no"));
        var e2 = assertThrows(Check.Failure.class, () -> Check.equal(3, 10, "classes"));
        assertEquals("classes: expected 10, got 3", e2.getMessage());
        assertThrows(Check.Failure.class, () -> Check.shape(new ai.djl.ndarray.types.Shape(3, 32), 3, 32, 32));
        assertEquals(0.5, Check.tally().check("a", true).check("b", false).report());
        var e3 = assertThrows(IllegalStateException.class, () -> Check.take("guess"));
        assertTrue(e3.getMessage().contains("only the grader"), e3.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Check.partial(1.5, "too much"));
    }

    static void deleteTree(Path root) {
        labkit.io.FileTrees.deleteQuietly(root);
    }
}
