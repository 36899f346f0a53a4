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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * End to end on the built jar and the real Java kernel: one batch of Task 1 submissions (correct, stub, tampered,
 * deleted cell, reordered with partial credit, infinite loop, System.exit, out of memory, output flood, not a
 * notebook) graded once with {@code --jobs 2}, then resumed. Skipped when the Jupyter kernel 'java' is missing.
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

    static boolean kernelInstalled() {
        try {
            Process p = new ProcessBuilder("/usr/bin/python3", "-c",
                    "from jupyter_client.kernelspec import KernelSpecManager as K; K().get_kernel_spec('java')")
                    .redirectErrorStream(true).start();
            return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static String grade(Path subs, Path out, int jobs) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = List.of(java, "-jar", jar().toString(), "grade", "--source", SOURCE.toString(), subs.toString(),
                "--out", out.toString(), "--jobs", Integer.toString(jobs), "--cell-timeout", "45", "--timeout", "240",
                "--heap", "512m", "--memory", "2g", "--max-output", "1m");
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(15, TimeUnit.MINUTES), "grade did not finish");
        assertEquals(0, p.exitValue(), text);
        return text;
    }

    static JsonObject answered(Map<String, String> answers) {
        return GradePureTest.answered(Assignment.load(SOURCE), answers);
    }

    static void save(JsonObject nb, Path file) {
        Ipynb.write(nb, file);
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
        Assumptions.assumeTrue(kernelInstalled(), "Jupyter kernel 'java' not installed (environment/install-kernel.sh): "
                + "grader integration test skipped");
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
        assertEquals(10, results.size(), results.keySet().toString());
        assertEquals(8, points("correct"));
        assertEquals("graded", status("correct"));
        assertEquals(0, points("stub"));
        assertEquals("failed", cell("stub", "test_count_classes").get("status").getAsString());
        assertTrue(cell("stub", "test_count_classes").get("message").getAsString().contains("not implemented"));
        assertEquals(0, points("tampered"), "restored tests and hidden tests leave nothing; got " + results.get("tampered"));
        assertEquals(0, cell("tampered", "test_augment_once").get("points").getAsDouble());
        assertEquals(5, points("deleted"));
        assertEquals("missing-solution", cell("deleted", "test_augment_once").get("status").getAsString());
        assertEquals(7, points("reordered"), results.get("reordered").toString());
        assertEquals("partial", cell("reordered", "test_augment_once").get("status").getAsString());
        assertEquals(2, cell("reordered", "test_augment_once").get("points").getAsDouble(), 1e-3);
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
    void tamperedHiddenTestsStillCountAndGradeCsvHasEveryone() throws IOException {
        // tampered: its countClasses returns 10 for every folder, so the hidden 3-class test fails it
        assertEquals("failed", cell("tampered", "test_count_classes").get("status").getAsString(),
                results.get("tampered").toString());
        List<String> csv = Files.readAllLines(root.resolve("grades").resolve("grades.csv"));
        assertEquals("student,test_count_classes,test_augment_once,test_class_probabilities,total,status", csv.get(0));
        assertTrue(csv.contains("correct,2,3,3,8,graded"), csv.toString());
        assertTrue(csv.contains("loop,2,0,0,2,cell-timeout"), csv.toString());
        assertEquals(11, csv.size());
        JsonObject env = results.get("correct").getAsJsonObject("environment");
        assertFalse(env.get("jdk").getAsString().isEmpty());
        assertEquals(64, results.get("correct").get("submission_sha256").getAsString().length());
    }

    @Test
    @Order(3)
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
    @Order(4)
    void resumesWithoutRegradingAndJobs1GivesTheSameGrades() throws Exception {
        Path grades = root.resolve("grades");
        // "interrupted": two results are gone; a second run regrades only those, with one job
        Files.delete(grades.resolve("results").resolve("correct.json"));
        Files.delete(grades.resolve("results").resolve("reordered.json"));
        String out = grade(root.resolve("submissions"), grades, 1);
        assertEquals(8, out.lines().filter(l -> l.contains("already graded")).count(), out);
        for (String s : List.of("correct", "reordered")) {
            JsonObject again = JsonParser.parseString(Files.readString(grades.resolve("results").resolve(s + ".json")))
                    .getAsJsonObject();
            assertEquals(results.get(s).get("points").getAsDouble(), again.get("points").getAsDouble(), s);
            assertEquals(results.get(s).get("status").getAsString(), again.get("status").getAsString(), s);
        }
    }
}
