package labkit.grade;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end on the built jar: one batch of Task 1 submissions graded once with {@code --jobs 2}, then resumed, then
 * an empty batch into the same folder. Besides honest work (correct, stub, deleted cell, reordered with partial
 * credit) and runaway code (infinite loop, System.exit, out of memory, output flood), the batch holds the attacks of
 * the red-team report: a forger (stub answers plus every score-forging trick: printed markers, {@code Check} calls,
 * a {@code System.setOut} filter, a magic after U+2028, a class named lab&lt;soft hyphen&gt;kit, class-loader
 * reflection), a constant tensor against the visible tests that also looks for the instructor's and other students'
 * files and leaves files in /tmp, a fork bomb graded next to a correct neighbour, a symbolic link to the
 * source, colliding names, a dot-file and an oversized notebook. As root (CI), the isolation claims are checked too.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GraderIT {
    static final Path SOURCE = Path.of("..", "notebooks", "assignments", "task1", "task1.ipynb").toAbsolutePath();
    static Path root;
    static String firstRunOutput;
    static Map<String, JsonObject> results = new HashMap<>();

    static final String COUNT = "int countClasses(ImageFolderDataset dataset) { return dataset.classes().size(); }";
    static final String AUGMENT = "NDArray augmentOnce(NDArray image, long seed) { return Task1.trainTransform(seed).transform(image); }";
    static final String PROBS = "double[] classProbabilities(Model model, NDArray image, List<String> classes) {\n"
            + "    return Task1.probabilities(Task1.predict(model, image, classes));\n}";

    static Path jar() {
        return Path.of(System.getProperty("labkit.jar", "target/labkit-all.jar")).toAbsolutePath();
    }

    static final String MARK = "labkit-it-leftover-" + ProcessHandle.current().pid();

    static String grade(Path subs, Path out, int jobs) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-jar", jar().toString(), "grade", "--source", SOURCE.toString(), subs.toString(),
                "--out", out.toString(), "--jobs", Integer.toString(jobs), "--cell-timeout", "120", "--timeout", "600",
                "--heap", "512m", "--memory", "2g", "--max-output", "1m", "--max-submission", "2m");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(45, TimeUnit.MINUTES), "grade did not finish");
        assertEquals(0, p.exitValue(), text);
        return text;
    }

    static JsonObject answered(Map<String, String> answers) {
        return GradePureTest.answered(Assignment.load(SOURCE), answers);
    }

    static void save(JsonObject nb, Path file) {
        Ipynb.write(nb, file);
    }

    /** Adds an ordinary (unmarked) code cell after the cell {@code gradeId}. */
    static void insertAfter(JsonObject nb, String gradeId, String source) {
        List<JsonObject> cells = new ArrayList<>(Ipynb.cells(nb));
        JsonObject plain = cellWhere(nb, gradeId).deepCopy();
        Ipynb.metadata(plain).remove("nbgrader");
        Ipynb.setSource(plain, source);
        cells.add(cells.indexOf(cellWhere(nb, gradeId)) + 1, plain);
        Ipynb.setCells(nb, cells);
    }

    static JsonObject cellWhere(JsonObject nb, String gradeId) {
        for (JsonObject c : Ipynb.cells(nb)) {
            JsonObject m = Ipynb.nbgrader(c);
            if (m != null && m.get("grade_id").getAsString().equals(gradeId)) {
                return c;
            }
        }
        throw new AssertionError(gradeId);
    }

    @BeforeAll
    static void gradeBatch() throws Exception {
        assertTrue(Files.isRegularFile(jar()), "fat jar not built: " + jar());
        root = Path.of("target", "grader-it").toAbsolutePath();
        GradePureTest.deleteTree(root);
        Path subs = root.resolve("submissions");
        Files.createDirectories(subs);
        Map<String, String> all = Map.of("count_classes", COUNT, "augment_once", AUGMENT, "class_probabilities", PROBS);
        save(answered(all), subs.resolve("correct.ipynb"));
        save(answered(Map.of()), subs.resolve("stub.ipynb"));

        JsonObject tampered = answered(Map.of("count_classes", "int countClasses(ImageFolderDataset d) { return 10; }\n"
                + "System.out.println(\"[labkit-grade] partial=1.000000 nonce=\" + System.getenv(\"LABKIT_GRADE_NONCE\"));"));
        for (String t : List.of("test_count_classes", "test_augment_once", "test_class_probabilities")) {
            Ipynb.setSource(cellWhere(tampered, t), "System.out.println(\"looks fine\");");
        }
        save(tampered, subs.resolve("tampered.ipynb"));

        JsonObject deleted = answered(all);
        List<JsonObject> cells = new ArrayList<>(Ipynb.cells(deleted));
        cells.remove(cellWhere(deleted, "augment_once"));
        Ipynb.setCells(deleted, cells);
        save(deleted, subs.resolve("deleted.ipynb"));

        JsonObject reordered = answered(Map.of("count_classes", COUNT, "class_probabilities", PROBS, "augment_once",
                "NDArray augmentOnce(NDArray image, long seed) { return image.toType(DataType.FLOAT32, true); }"));
        List<JsonObject> rev = new ArrayList<>(Ipynb.cells(reordered));
        Collections.reverse(rev);
        Ipynb.setCells(reordered, rev);
        Files.createDirectories(subs.resolve("reordered"));
        save(reordered, subs.resolve("reordered").resolve("my work.ipynb"));

        save(answered(Map.of("count_classes", COUNT, "augment_once",
                "NDArray augmentOnce(NDArray image, long seed) { while (true) { } }")), subs.resolve("loop.ipynb"));
        save(answered(Map.of("count_classes", COUNT, "augment_once",
                "NDArray augmentOnce(NDArray image, long seed) { System.exit(0); return null; }")), subs.resolve("exit.ipynb"));
        save(answered(Map.of("count_classes", COUNT, "augment_once", "NDArray augmentOnce(NDArray image, long seed) {\n"
                + "    var hog = new java.util.ArrayList<long[]>();\n    while (true) hog.add(new long[10_000_000]);\n}")),
                subs.resolve("oom.ipynb"));
        save(answered(Map.of("count_classes", COUNT, "augment_once", "NDArray augmentOnce(NDArray image, long seed) {\n"
                + "    while (true) System.out.println(\"x\".repeat(1000));\n}")), subs.resolve("flood.ipynb"));
        Files.writeString(subs.resolve("notjson.ipynb"), "this is not a notebook");

        // the attacks
        JsonObject forger = answered(Map.of());
        insertAfter(forger, "count_classes", "System.setOut(new java.io.PrintStream(new java.io.OutputStream() {\n"
                + "    public void write(int b) { }\n}));\n" // hides what later cells print
                + "System.out.println(\"[labkit-grade] partial=1.000000 nonce=\" + System.getenv(\"LABKIT_GRADE_NONCE\"));\n"
                + "labkit.grade.Check.partial(1.0, \"full marks please\");\n"
                + "try { labkit.grade.Check.take(\"guess\"); } catch (IllegalStateException e) { System.err.println(e); }\n"
                + "try {\n    var add = java.net.URLClassLoader.class.getDeclaredMethod(\"addURL\", java.net.URL.class);\n"
                + "    add.setAccessible(true);\n    System.err.println(\"addURL opened\");\n"
                + "} catch (RuntimeException | NoSuchMethodException e) { System.err.println(\"no addURL: \" + e); }");
        insertAfter(forger, "augment_once", "int x = 1; // note\u2028%jars /tmp/evil.jar");
        insertAfter(forger, "class_probabilities", "class lab\u00ADkit { static class grade { static class Check {\n"
                + "    static void equal(Object a, Object b, String w) { }\n} } }");
        save(forger, subs.resolve("forger.ipynb"));


        JsonObject bomb = answered(all);
        insertAfter(bomb, "count_classes", "new ProcessBuilder(\"sh\", \"-c\", \"b() { b | b & }; b\").start();\n"
                + "Thread.sleep(15_000);\n"
                + "for (int i = 0; i < 3000; i++) { try { new Thread(() -> { try { Thread.sleep(60_000); } "
                + "catch (InterruptedException e) { } }).start(); } catch (Throwable t) { break; } }");
        save(bomb, subs.resolve("bomb.ipynb"));

        // zeros: a constant tensor against the visible tests; it also looks around and leaves files behind
        JsonObject snoop = answered(Map.of("count_classes", COUNT, "class_probabilities", PROBS, "augment_once",
                "NDArray augmentOnce(NDArray image, long seed) { return image.getManager().zeros(new Shape(3, 32, 32)); }"));
        insertAfter(snoop, "count_classes", "var seen = new StringBuilder(\"visible:\");\n"
                + "for (String p : List.of(\"" + SOURCE + "\", \"" + subs + "\", \"" + root.resolve("grades")
                + "\", \"/root\", \"" + System.getProperty("java.io.tmpdir") + "\")) {\n"
                + "    var f = Path.of(p);\n"
                + "    seen.append(' ').append(Files.isReadable(f) && (!Files.isDirectory(f) || Files.list(f).findAny().isPresent()));\n"
                + "}\nSystem.out.println(seen);\n"
                + "for (String d : List.of(\"/tmp\", \"/var/tmp\", \"/dev/shm\", \".\")) {\n"
                + "    Files.write(Path.of(d, \"" + MARK + "\"), new byte[20 << 20]);\n}\n"
                + "System.out.println(\"uid \" + new String(new ProcessBuilder(\"id\", \"-u\").start().getInputStream().readAllBytes()).strip());");
        save(snoop, subs.resolve("zeros.ipynb"));

        Path secret = root.resolve("instructor-source.ipynb");
        Files.copy(SOURCE, secret);
        Files.createSymbolicLink(subs.resolve("linked.ipynb"), secret);
        Files.writeString(subs.resolve("alice bob.ipynb"), "not a notebook either");
        Files.writeString(subs.resolve("alice_bob.ipynb"), "nor this");
        Files.writeString(subs.resolve(".dotfile.ipynb"), "{}");
        Files.writeString(subs.resolve("readme.txt"), "not a submission");
        Files.writeString(subs.resolve("huge.ipynb"), " ".repeat(3 << 20) + "{}");

        firstRunOutput = grade(subs, root.resolve("grades"), 2);
        System.out.println(firstRunOutput);
        try (var files = Files.list(root.resolve("grades").resolve("results"))) {
            for (Path f : files.toList()) {
                JsonObject r = JsonParser.parseString(Files.readString(f)).getAsJsonObject();
                results.put(r.get("student").getAsString(), r);
            }
        }
    }

    static double points(String student) {
        return results.get(student).get("points").getAsDouble();
    }

    static String status(String student) {
        return results.get(student).get("status").getAsString();
    }

    static JsonObject cell(String student, String gradeId) {
        for (var c : results.get(student).getAsJsonArray("cells")) {
            if (c.getAsJsonObject().get("grade_id").getAsString().equals(gradeId)) {
                return c.getAsJsonObject();
            }
        }
        throw new AssertionError(student + " has no " + gradeId);
    }

    @Test
    @Order(1)
    void eachSubmissionGetsTheRightScoreAndStatus() {
        assertEquals(17, results.size(), results.keySet().toString());
        assertEquals(8, points("correct"));
        assertEquals("graded", status("correct"));
        assertEquals(0, points("stub"));
        assertEquals("failed", cell("stub", "test_count_classes").get("status").getAsString());
        assertTrue(cell("stub", "test_count_classes").get("message").getAsString().contains("not implemented"));
        assertEquals(0, points("tampered"), "restored tests and hidden tests leave nothing; got " + results.get("tampered"));
        assertEquals(0, cell("tampered", "test_augment_once").get("points").getAsDouble());
        assertEquals(5, points("deleted"));
        assertEquals("missing-solution", cell("deleted", "test_augment_once").get("status").getAsString());
        // reordered: its augmentOnce returns the raw image as float: float32 and same-seed pass, shape and values fail
        assertEquals(6.5, points("reordered"), 1e-3, results.get("reordered").toString());
        assertEquals("partial", cell("reordered", "test_augment_once").get("status").getAsString());
        assertEquals(1.5, cell("reordered", "test_augment_once").get("points").getAsDouble(), 1e-3);
        assertEquals("reordered/my work.ipynb", results.get("reordered").get("submission").getAsString());
        for (String s : List.of("loop", "exit", "oom", "flood")) {
            assertEquals(2, points(s), s + ": " + results.get(s));
            assertEquals("not-run", cell(s, "test_class_probabilities").get("status").getAsString(), s);
        }
        assertEquals("cell-timeout", status("loop"));
        assertEquals("kernel-died", status("exit"));
        assertEquals("out-of-memory", status("oom"));
        assertEquals("output-limit", status("flood"));
        assertEquals("invalid", status("notjson"));
        assertTrue(results.get("notjson").get("message").getAsString().contains("notjson.ipynb"));
    }

    @Test
    @Order(2)
    void scoresCannotBeForged() {
        assertEquals(0, points("forger"), results.get("forger").toString());
        assertEquals("graded", status("forger"), results.get("forger").toString());
        String notes = results.get("forger").get("notes").toString();
        assertTrue(notes.contains("U+2028"), notes);
        assertTrue(notes.contains("'labkit'"), notes);
        // a constant tensor fails the visible value checks of the augmentation test
        assertEquals(5, points("zeros"), results.get("zeros").toString());
        assertEquals("failed", cell("zeros", "test_augment_once").get("status").getAsString());
    }

    @Test
    @Order(3)
    void aForkBombHurtsNoNeighbourAndNothingIsVisibleOrLeftBehind() throws Exception {
        assertEquals(8, points("correct"), "the bomb's neighbour: " + results.get("correct"));
        assertTrue(points("bomb") <= 8);
        org.junit.jupiter.api.Assumptions.assumeTrue(Sandbox.isRoot(), "not root: no private root nor uids to check");
        String snoop = Files.readString(root.resolve("grades").resolve("feedback").resolve("zeros.html"));
        assertTrue(snoop.contains("visible: false false false false false"), "the snoop saw something: "
                + snoop.substring(Math.max(0, snoop.indexOf("visible:")), Math.min(snoop.length(),
                snoop.indexOf("visible:") + 80)));
        for (String d : List.of("/tmp", "/var/tmp", "/dev/shm")) {
            assertFalse(Files.exists(Path.of(d, MARK)), d + "/" + MARK + " survived the run");
        }
        {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("uid (\\d+)").matcher(snoop);
            assertTrue(m.find(), "the snoop printed no uid");
            assertTrue(Integer.parseInt(m.group(1)) >= Executor.UID_BASE, "agent uid " + m.group(1));
            Process ps = new ProcessBuilder("ps", "-eo", "uid=").start();
            String uids = new String(ps.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertFalse(uids.lines().map(String::strip).filter(u -> !u.isEmpty())
                    .anyMatch(u -> Long.parseLong(u) >= Executor.UID_BASE), "an agent's process survived: " + uids);
        }
    }

    @Test
    @Order(4)
    void inputsAreRefusedKeptApartOrListed() {
        assertEquals("invalid", status("linked"));
        assertTrue(results.get("linked").get("message").getAsString().contains("symbolic link"));
        assertEquals("invalid", status("huge"));
        assertTrue(results.get("huge").get("message").getAsString().contains("size limit"));
        assertTrue(results.containsKey("alice_bob") && results.containsKey("alice_bob-2"), results.keySet().toString());
        assertTrue(results.get("alice_bob-2").get("notes").toString().contains("collision"));
        assertTrue(firstRunOutput.contains("skipped: .dotfile.ipynb (hidden file)"), firstRunOutput);
        assertTrue(firstRunOutput.contains("skipped: readme.txt"), firstRunOutput);
    }

    @Test
    @Order(5)
    void tamperedHiddenTestsStillCountAndGradeCsvHasEveryone() throws IOException {
        // tampered: its countClasses returns 10 for every folder, so the hidden 3-class test fails it
        assertEquals("failed", cell("tampered", "test_count_classes").get("status").getAsString(),
                results.get("tampered").toString());
        List<String> csv = Files.readAllLines(root.resolve("grades").resolve("grades.csv"));
        assertEquals("student,test_count_classes,test_augment_once,test_class_probabilities,total,status", csv.get(0));
        assertTrue(csv.contains("correct,2,3,3,8,graded"), csv.toString());
        assertTrue(csv.contains("loop,2,0,0,2,cell-timeout"), csv.toString());
        assertEquals(18, csv.size());
        JsonObject env = results.get("correct").getAsJsonObject("environment");
        assertFalse(env.get("jdk").getAsString().isEmpty());
        assertEquals(64, results.get("correct").get("submission_sha256").getAsString().length());
    }

    @Test
    @Order(6)
    void feedbackShowsScoresButNoHiddenTests() throws IOException {
        for (String s : List.of("correct", "stub", "tampered")) {
            String html = Files.readString(root.resolve("grades").resolve("feedback").resolve(s + ".html"));
            assertTrue(html.contains(Markers.HIDDEN_NOTE), s);
            assertFalse(html.contains("three-classes") || html.contains("same seed, same tensor")
                    || html.contains("expected = labkit.tasks.Task1.probabilities"), s + ": hidden test source in feedback");
        }
        assertTrue(Files.readString(root.resolve("grades/feedback/correct.html")).contains("8 / 8 points"));
    }

    @Test
    @Order(7)
    void resumesWithoutRegradingButRetriesEnvironmentalFailures() throws Exception {
        Path grades = root.resolve("grades");
        // "interrupted": one result is gone; another's run "failed for an environmental reason"
        Files.delete(grades.resolve("results").resolve("reordered.json"));
        Path stub = grades.resolve("results").resolve("stub.json");
        JsonObject failed = JsonParser.parseString(Files.readString(stub)).getAsJsonObject();
        failed.addProperty("status", "kernel-start-failed");
        Files.writeString(stub, Ipynb.toJson(failed));
        // a first-run result that failed for an environmental reason (a start timeout on a loaded machine) is
        // graded again too
        long environmental = results.entrySet().stream().filter(e -> !List.of("stub", "reordered").contains(e.getKey())
                && Grader.ENVIRONMENTAL.contains(e.getValue().get("status").getAsString())).count();
        String out = grade(root.resolve("submissions"), grades, 1);
        assertEquals(results.size() - 2 - environmental, out.lines().filter(l -> l.contains("already graded")).count(), out);
        for (String s : List.of("stub", "reordered")) {
            JsonObject again = JsonParser.parseString(Files.readString(grades.resolve("results").resolve(s + ".json")))
                    .getAsJsonObject();
            assertEquals(results.get(s).get("points").getAsDouble(), again.get("points").getAsDouble(), s);
            assertEquals(results.get(s).get("status").getAsString(), again.get("status").getAsString(), s);
        }
    }

    @Test
    @Order(8)
    void anEmptyBatchKeepsEveryGrade() throws Exception {
        Path grades = root.resolve("grades");
        List<String> before = Files.readAllLines(grades.resolve("grades.csv"));
        Path empty = Files.createDirectories(root.resolve("empty"));
        grade(empty, grades, 1);
        assertEquals(before, Files.readAllLines(grades.resolve("grades.csv")));
    }
}
