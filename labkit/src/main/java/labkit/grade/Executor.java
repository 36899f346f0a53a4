package labkit.grade;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import labkit.io.FileTrees;

/**
 * Executes one notebook in a fresh kernel inside a {@link Sandbox}: a new folder owned by the kernel's user,
 * a new memory cgroup, a secret nonce for {@link Check#partial} markers, the helper process under the
 * sandbox's namespaces, and everything removed afterwards.
 */
public final class Executor {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Executor() {}

    /**
     * What happened when a notebook ran.
     *
     * @param status     completed, cell-timeout, notebook-timeout, kernel-died, out-of-memory, output-limit,
     *                   kernel-start-failed or error
     * @param message    one readable line ("" when completed)
     * @param failedCell index of the cell where the run stopped, or -1
     * @param seconds    run time of each code cell that started, by index
     * @param completed  indices of the code cells that finished
     * @param notebook   the executed notebook (outputs as the kernel sent them; untrusted text)
     * @param nonce      the marker nonce this run used
     * @param wallSeconds time of the whole run, kernel start included
     */
    public record Execution(String status, String message, int failedCell, Map<Integer, Double> seconds,
                            List<Integer> completed, JsonObject notebook, String nonce, double wallSeconds) {}

    /** Runs {@code notebook}; {@code quick} sets LABKIT_QUICK in the kernel. */
    public static Execution run(Sandbox sandbox, JsonObject notebook, boolean quick) {
        Limits limits = sandbox.limits();
        String id = HexFormat.of().formatHex(bytes(8));
        String nonce = HexFormat.of().formatHex(bytes(16));
        Path run = sandbox.dir().resolve("run").resolve(id);
        Path work = sandbox.dir().resolve("work").resolve(id);
        Path cg = sandbox.newCgroup("run-" + id);
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(run);
            Sandbox.setMode(run.getParent(), "rwx------");
            Sandbox.setMode(run, "rwx------");
            Files.createDirectories(work);
            Sandbox.setMode(work.getParent(), "rwx--x--x");
            Sandbox.setMode(work, "rwx------");
            if (sandbox.dropUser()) {
                Files.setAttribute(work, "unix:uid", 65534);
                Files.setAttribute(work, "unix:gid", 65534);
            }
            Path in = run.resolve("notebook.ipynb");
            Ipynb.write(notebook, in);
            Map<String, String> env = kernelEnv(sandbox, work, nonce, quick);
            List<String> argv = List.of(sandbox.launcher().toString(), cg == null ? "-" : cg.toString(),
                    work.toString(), "{connection_file}");
            Gson gson = new Gson();
            List<String> cmd = new ArrayList<>(sandbox.wrapper());
            cmd.addAll(List.of(sandbox.python(), sandbox.dir().resolve("execute_notebook.py").toString(),
                    "--in", in.toString(), "--cwd", work.toString(), "--kernel-argv", gson.toJson(argv),
                    "--kernel-env", gson.toJson(env), "--runtime-dir", run.toString(),
                    "--log", run.resolve("kernel.log").toString(),
                    "--cell-timeout", Integer.toString(limits.cellSeconds()),
                    "--notebook-timeout", Integer.toString(limits.notebookSeconds()),
                    "--max-output-bytes", Long.toString(limits.maxOutputBytes())));
            if (sandbox.netns()) {
                cmd.add("--loopback");
            }
            Path stdout = run.resolve("result.json");
            Path stderr = run.resolve("helper.log");
            Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(stderr.toFile()).start();
            long budget = limits.notebookSeconds() + 3L * 90 + 60;
            boolean done = p.waitFor(budget, TimeUnit.SECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            Execution e = parse(stdout, stderr, notebook, nonce, wall, done, budget);
            if ((e.status().equals("kernel-died")) && Sandbox.oomKilled(cg)) {
                e = new Execution("out-of-memory", "the kernel was killed in cell " + e.failedCell() + " for using more than "
                        + limits.memoryBytes() / (1 << 20) + " MiB", e.failedCell(), e.seconds(), e.completed(),
                        e.notebook(), nonce, wall);
            }
            return e;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the notebook in " + run, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while grading", e);
        } finally {
            Sandbox.removeCgroup(cg);
            if (System.getenv("LABKIT_GRADE_KEEP") == null) { // debugging: keep the run's files
                FileTrees.deleteQuietly(work);
                FileTrees.deleteQuietly(run);
            }
        }
    }

    private static Map<String, String> kernelEnv(Sandbox sandbox, Path work, String nonce, boolean quick) {
        Map<String, String> env = new LinkedHashMap<>();
        env.put("PATH", "/usr/local/bin:/usr/bin:/bin");
        env.put("HOME", work.toString());
        env.put("LANG", "C.UTF-8");
        String javaHome = System.getenv("JAVA_HOME");
        if (javaHome != null) {
            env.put("JAVA_HOME", javaHome);
        }
        env.put("LABKIT_QUICK", quick ? "1" : "0");
        env.put("RJK_MIMA_CACHE", work.resolve(".mima").toString());
        if (sandbox.djlCache() != null) {
            env.put("DJL_CACHE_DIR", sandbox.djlCache().toString());
        }
        env.put("LABKIT_KERNEL_JAVA_OPTS", "-Xmx" + sandbox.limits().heap() + " -XX:+ExitOnOutOfMemoryError "
                + "-XX:-UsePerfData -Djava.io.tmpdir=" + work + " -Duser.home=" + work);
        env.put(Check.NONCE_ENV, nonce);
        return env;
    }

    private static Execution parse(Path stdout, Path stderr, JsonObject original, String nonce, double wall,
                                   boolean done, long budget) throws IOException {
        String text = Files.exists(stdout) ? Files.readString(stdout, StandardCharsets.UTF_8) : "";
        JsonObject r = null;
        try {
            JsonElement e = JsonParser.parseString(text.isBlank() ? "null" : text);
            r = e.isJsonObject() ? e.getAsJsonObject() : null;
        } catch (JsonParseException ignored) {
            // reported below
        }
        if (r == null) {
            String err = Files.exists(stderr) ? tail(Files.readString(stderr, StandardCharsets.UTF_8), 300) : "";
            String why = done ? "the notebook runner gave no result: " + err
                    : "the notebook runner did not finish within " + budget + " s and was killed";
            return new Execution(done ? "error" : "notebook-timeout", why, -1, Map.of(), List.of(), original, nonce, wall);
        }
        Map<Integer, Double> seconds = new LinkedHashMap<>();
        List<Integer> completed = new ArrayList<>();
        for (JsonElement c : r.getAsJsonArray("cells")) {
            JsonObject o = c.getAsJsonObject();
            int index = o.get("index").getAsInt();
            double s = o.get("seconds").getAsDouble();
            if (s > 0 || o.get("executed").getAsBoolean()) {
                seconds.put(index, s);
            }
            if (o.get("executed").getAsBoolean()) {
                completed.add(index);
            }
        }
        int failed = r.has("failed_cell") && !r.get("failed_cell").isJsonNull() ? r.get("failed_cell").getAsInt() : -1;
        JsonObject nb = r.has("notebook") && r.get("notebook").isJsonObject() ? r.getAsJsonObject("notebook") : original;
        if (!nb.has("cells")) {
            nb.add("cells", new JsonArray());
        }
        return new Execution(r.get("status").getAsString(), r.get("message").getAsString(), failed, seconds, completed,
                nb, nonce, wall);
    }

    private static String tail(String s, int n) {
        String t = s.strip();
        return t.length() <= n ? t : "…" + t.substring(t.length() - n);
    }

    private static byte[] bytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
