package labkit.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

/** Issue 25: out-of-range command-line values end in one line naming the option and exit code 2, no stack trace. */
class ArgumentsTest {

    @ParameterizedTest
    @ValueSource(strings = {
            "bench augment --images -5|--images",
            "bench augment --rounds 0|--rounds",
            "bench augment --size 0|--size",
            "bench augment --images lots|--images",
            "bench depth --runs 0 --steps 0|--runs",
            "bench depth --steps 0|--steps",
            "bench depth --size 0|--size",
            "bench depth --size 100|--size",
            "bench depth --batch 0|--batch",
            "bench depth --threads 0|--threads",
            "bench prune --rounds 0|--rounds",
            "bench prune --batch 1,0|--batch",
            "bench prune --keep 0.5,1.5|--keep",
            "bench engines --reps 0|--reps",
            "bench engines --threads -1|--threads"})
    void aBadValueIsOneLineNamingTheOptionAndExitCode2(String spec) {
        String[] parts = spec.split("\\|");
        StringWriter err = new StringWriter();
        StringWriter out = new StringWriter();
        CommandLine cl = Main.commandLine();
        cl.setErr(new PrintWriter(err, true));
        cl.setOut(new PrintWriter(out, true));
        int code = cl.execute(parts[0].split(" "));
        assertEquals(2, code, spec + " -> " + err);
        List<String> lines = err.toString().lines().toList();
        assertEquals(1, lines.size(), "one line for " + spec + ", got:\n" + err);
        assertTrue(lines.get(0).contains(parts[1]), "the error names " + parts[1] + ": " + lines.get(0));
        assertFalse(err.toString().contains("Exception"), err.toString());
        assertEquals("", out.toString(), "nothing measured or printed on stdout");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0,6,8,224", "20,0,8,224", "20,6,0,224", "20,6,8,0", "20,6,8,100"})
    void depthBenchMeasureRefusesNonsenseFromJavaToo(String args) {
        int[] a = java.util.Arrays.stream(args.split(",")).mapToInt(Integer::parseInt).toArray();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DepthBench.measure(a[0], a[1], a[2], a[3]));
        assertTrue(e.getMessage().matches(".*(runs|steps|batch|size).*"), e.getMessage());
    }

    @org.junit.jupiter.api.Test
    void describeGivesOneLineEvenForMessagelessExceptions() {
        assertEquals("ArrayIndexOutOfBoundsException", Main.describe(new ArrayIndexOutOfBoundsException()));
        assertEquals("a b", Main.describe(new IllegalStateException("a\n  b")));
        assertEquals("UncheckedIOException: EOFException",
                Main.describe(new java.io.UncheckedIOException(null, new java.io.EOFException())));
    }
}
