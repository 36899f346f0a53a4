package labkit.grade;

import static org.junit.jupiter.api.Assertions.*;

import com.google.gson.JsonObject;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile inputs the grader meets before and after a run, without kernels: symbolic links, name collisions,
 * skipped and oversized files, odd line separators and identifier-ignorable characters in answer cells, student
 * cells placed before the set-up, forged image outputs in the feedback, and gradebooks that must not lose rows.
 */
class GraderInputsTest {
    static final String JAR = GradePureTest.JAR;

    static Grader.Submission named(Grader.Batch b, String student) {
        return b.submissions().stream().filter(s -> s.student().equals(student)).findFirst()
                .orElseThrow(() -> new AssertionError(student + " not in " + b));
    }

    @Test
    void symlinksCollisionsSkippedAndOversizedSubmissions(@TempDir Path dir) throws Exception {
        Path subs = Files.createDirectories(dir.resolve("subs"));
        Path secret = dir.resolve("source.ipynb");
        Files.writeString(secret, "{\"instructor\": true}");
        Files.createSymbolicLink(subs.resolve("mallory.ipynb"), secret);
        Files.createDirectories(subs.resolve("trudy"));
        Files.createSymbolicLink(subs.resolve("trudy").resolve("work.ipynb"), secret);
        Files.writeString(subs.resolve("alice bob.ipynb"), "{}");
        Files.writeString(subs.resolve("alice_bob.ipynb"), "{}");
        Files.writeString(subs.resolve(".hidden.ipynb"), "{}");
        Files.writeString(subs.resolve("notes.txt"), "x");
        Files.write(subs.resolve("huge.ipynb"), new byte[2048]);

        Grader.Batch b = Grader.find(subs, 1024);
        assertTrue(named(b, "mallory").problem().contains("symbolic link"), named(b, "mallory").problem());
        assertTrue(named(b, "trudy").problem().contains("symbolic link"), named(b, "trudy").problem());
        assertTrue(named(b, "huge").problem().contains("over the submission size limit of 1024"));
        Grader.Submission first = named(b, "alice_bob");
        Grader.Submission second = named(b, "alice_bob-2");
        assertNotEquals(first.notebook(), second.notebook());
        assertNull(first.problem());
        assertTrue(second.notes().get(0).contains("collision"), second.notes().toString());
        assertEquals(List.of(".hidden.ipynb (hidden file)", "notes.txt (not a .ipynb notebook)"), b.skipped());
        assertEquals(5, b.submissions().size());
    }

    static GradeResult result(String student, double points) {
        return new GradeResult(student, student + ".ipynb", "ab", "task1", "cd", "graded", "", points, 8, List.of(),
                List.of(), List.of(), 1, "2025-01-01T00:00:00Z", "0.1.0", "17");
    }

    @Test
    void gradebookIsRebuiltFromAllResultsAndNeverLosesARow(@TempDir Path out) throws Exception {
        Assignment a = GradePureTest.task1();
        Path results = Files.createDirectories(out.resolve("results"));
        Files.writeString(results.resolve("alice.json"), Ipynb.toJson(result("alice", 8).toJson()));
        PrintStream log = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        Gradebook.write(a, List.of(result("bob", 3)), out, log); // bob graded now, alice earlier
        List<String> csv = Files.readAllLines(out.resolve("grades.csv"));
        assertEquals(3, csv.size(), csv.toString());
        assertTrue(csv.get(1).startsWith("alice,") && csv.get(1).contains(",8,graded"), csv.toString());
        assertTrue(csv.get(2).startsWith("bob,"), csv.toString());

        Files.writeString(results.resolve("bob.json"), Ipynb.toJson(result("bob", 3).toJson()));
        Gradebook.write(a, List.of(), out, log); // an empty batch: both rows stay
        assertEquals(csv, Files.readAllLines(out.resolve("grades.csv")));

        Files.delete(results.resolve("bob.json")); // a row that no result file backs: refused, file untouched
        var e = assertThrows(IllegalStateException.class, () -> Gradebook.write(a, List.of(), out, log));
        assertTrue(e.getMessage().contains("[bob]") && e.getMessage().contains("grades.csv"), e.getMessage());
        assertEquals(csv, Files.readAllLines(out.resolve("grades.csv")));
    }

    @Test
    void feedbackChecksImagesAndEscapesText() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0};
        String ok = Base64.getEncoder().encodeToString(png);
        assertEquals(ok, Feedback.png(ok.substring(0, 4) + "\n" + ok.substring(4)));
        assertNull(Feedback.png("AAAA\" onerror=\"alert(1)"), "attribute injection");
        assertNull(Feedback.png(Base64.getEncoder().encodeToString("<svg onload=x>".getBytes())), "not a PNG");
        assertEquals("&lt;img src=x onerror=&#39;a&#39;&gt; &quot;&amp;", Feedback.esc("<img src=x onerror='a'> \"&"));
    }

    @Test
    void oddLineSeparatorsAndIgnorableCharactersCannotSneakPastTheChecks() {
        List<String> notes = new ArrayList<>();
        String hidden = "int x = 1; // note\u2028%jars /tmp/evil.jar";
        String vetted = Restorer.vet(hidden, "cell 'count_classes'", JAR, notes);
        assertTrue(vetted.startsWith("throw new IllegalStateException") && vetted.contains("U+2028"), vetted);
        assertTrue(notes.get(0).contains("U+2028"), notes.toString());
        for (char c : new char[] {0x0B, 0x0C, 0x85, 0x2029}) {
            assertTrue(Restorer.vet("int y;" + c + "%jars x.jar", "c", JAR, new ArrayList<>()).startsWith("throw"),
                    "separator U+" + Integer.toHexString(c));
        }
        assertEquals("labkit", Restorer.shadowedName("class lab\u00ADkit { }"), "soft hyphen");
        assertEquals("labkit", Restorer.shadowedName("class lab\\u200bkit { }"), "escaped zero-width space");
        assertEquals("java", Restorer.shadowedName("var ja\u0000va = 1;"), "NUL is ignorable too");
        assertTrue(Restorer.vet("class lab\u00ADkit { }", "c", JAR, new ArrayList<>()).startsWith("throw"));
    }

    @Test
    void studentCellsBeforeTheSetUpRunAfterIt() {
        Assignment a = GradePureTest.task1();
        JsonObject nb = Assigner.studentVersion(a);
        List<JsonObject> cells = new ArrayList<>(Ipynb.cells(nb));
        JsonObject early = cells.get(2).deepCopy();
        Ipynb.metadata(early).remove("nbgrader");
        Ipynb.setSource(early, "System.out.println(\"before everything\");");
        cells.add(0, early);
        Ipynb.setCells(nb, cells);
        Restorer.Restored r = Restorer.restore(a, nb, "eve.ipynb", JAR);
        List<JsonObject> out = Ipynb.cells(r.notebook());
        int at = -1;
        for (int i = 0; i < out.size(); i++) {
            if (Ipynb.source(out.get(i)).contains("before everything")) {
                at = i;
            }
        }
        Map<Integer, String> roles = r.roles();
        int setup = roles.entrySet().stream().filter(e -> e.getValue().equals("setup")).findFirst().orElseThrow().getKey();
        int firstAnswer = roles.entrySet().stream().filter(e -> e.getValue().equals("count_classes")).findFirst()
                .orElseThrow().getKey();
        assertTrue(at > setup && at < firstAnswer, "student cell at " + at + ", set-up at " + setup
                + ", first answer at " + firstAnswer);
    }

    @Test
    void onlyTheRunnerCanReadPartialCredit() throws Exception {
        String token = "runner-token";
        String hash = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(token.getBytes(StandardCharsets.UTF_8)));
        assertFalse(Check.seal(hash).isEmpty(), "where Check was loaded from");
        assertThrows(IllegalStateException.class, () -> Check.seal(hash), "sealed twice");
        Check.take(token); // other tests in this JVM may have recorded fractions
        Check.partial(0.75, "three of four");
        Check.partial(1.0, "a later, larger fraction does not win");
        Check.partial(0.5, "two of four");
        assertThrows(IllegalStateException.class, () -> Check.take("guess"));
        String hex = Check.take(token);
        assertEquals("0.500000 two of four", new String(java.util.HexFormat.of().parseHex(hex), StandardCharsets.UTF_8));
        assertEquals("", Check.take(token), "taking clears the record");
    }
}
