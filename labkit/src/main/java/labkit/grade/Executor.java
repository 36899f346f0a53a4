package labkit.grade;

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
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import labkit.io.FileTrees;

/**
 * Executes one notebook inside a {@link Sandbox}: a {@link CellRunner} process (the trusted side, in the sandbox's
 * namespaces) that starts one agent JVM for the student's code (in a private root, as a uid of its own, in fresh
 * memory and pids cgroups), and everything removed afterwards.
 */
public final class Executor {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Set<Integer> UIDS = ConcurrentHashMap.newKeySet();
    /** Agent uids are drawn from [UID_BASE, UID_BASE + 1_000_000): no account of the machine has them. */
    static final int UID_BASE = 2_000_000;

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
     * @param notebook   the executed notebook (outputs as the agent sent them: untrusted text; {@code
     *                   metadata.labkit_grader} written by the runner)
     * @param wallSeconds time of the whole run, agent start included
     */
    public record Execution(String status, String message, int failedCell, Map<Integer, Double> seconds,
                            List<Integer> completed, JsonObject notebook, double wallSeconds) {}

    /** Runs {@code notebook}; {@code quick} sets LABKIT_QUICK in the agent. */
    public static Execution run(Sandbox sandbox, JsonObject notebook, boolean quick) {
        Limits limits = sandbox.limits();
        String id = HexFormat.of().formatHex(bytes(8));
        Path run = sandbox.dir().resolve("run").resolve(id);
        Path work = sandbox.dir().resolve("work").resolve(id);
        Path cg = sandbox.rooted() ? sandbox.newCgroup("run-" + id) : null;
        Path pids = sandbox.rooted() ? sandbox.newPidsCgroup("run-" + id) : null;
        int uid = sandbox.rooted() ? takeUid() : -1;
        long t0 = System.nanoTime();
        try {
            Files.createDirectories(run);
            Sandbox.setMode(run.getParent(), "rwx------");
            Sandbox.setMode(run, "rwx------");
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            List<String> jvm = List.of("-Xmx" + limits.heap(), "-XX:+ExitOnOutOfMemoryError",
                    "-XX:+DisableAttachMechanism", "-XX:-UsePerfData", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
                    "-Dfile.encoding=UTF-8", "-Dai.djl.pytorch.num_interop_threads=1", "-Dlabkit.offline=true",
                    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                    "-Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error");
            List<String> agent = new ArrayList<>();
            String agentJar;
            if (sandbox.rooted()) {
                agentJar = Sandbox.AGENT_JAR;
                agent.addAll(List.of("sh", sandbox.launcher().toString(), cg == null ? "-" : cg.toString(),
                        pids == null ? "-" : pids.toString(), run.resolve("root").toString(), Integer.toString(uid),
                        System.getProperty("java.home"), "--", java));
                agent.addAll(jvm);
                agent.addAll(List.of("-Djava.io.tmpdir=/tmp", "-Duser.home=/work"));
            } else {
                agentJar = sandbox.jar();
                Files.createDirectories(work);
                Sandbox.setMode(work, "rwx------");
                agent.add(java);
                agent.addAll(jvm);
                agent.addAll(List.of("-Djava.io.tmpdir=" + work, "-Duser.home=" + work));
            }
            agent.addAll(List.of("-cp", agentJar, "jdk.jshell.execution.RemoteExecutionControl"));
            JsonObject request = new JsonObject();
            request.add("notebook", notebook);
            JsonArray argv = new JsonArray();
            agent.forEach(argv::add);
            request.add("agent", argv);
            request.addProperty("jar", agentJar);
            request.addProperty("compile_jar", sandbox.jar());
            request.addProperty("cell_seconds", limits.cellSeconds());
            request.addProperty("notebook_seconds", limits.notebookSeconds());
            request.addProperty("max_output_bytes", limits.maxOutputBytes());
            Path in = run.resolve("request.json");
            Files.writeString(in, Ipynb.toJson(request), StandardCharsets.UTF_8);
            Path result = run.resolve("result.json");
            Path log = run.resolve("runner.log");
            List<String> cmd = new ArrayList<>(sandbox.wrapper());
            if (!sandbox.wrapper().isEmpty()) {
                cmd.addAll(List.of("sh", "-c", "ip link set lo up && exec \"$@\"", "sh"));
            }
            cmd.addAll(List.of(java, "-Xmx512m", "-XX:+UseSerialGC", "-XX:+DisableAttachMechanism", "-XX:-UsePerfData",
                    "-cp", sandbox.jar(), CellRunner.class.getName(), "--request", in.toString(), "--out",
                    result.toString()));
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
            pb.directory(sandbox.rooted() ? run.toFile() : work.toFile());
            pb.environment().put("LABKIT_QUICK", quick ? "1" : "0");
            pb.environment().put("MALLOC_ARENA_MAX", "2");
            Process p = pb.start();
            long budget = limits.notebookSeconds() + CellRunner.START_SECONDS + 60L;
            boolean done = p.waitFor(budget, TimeUnit.SECONDS);
            if (!done) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                p.waitFor(30, TimeUnit.SECONDS);
            }
            double wall = (System.nanoTime() - t0) / 1e9;
            Execution e = parse(result, log, notebook, wall, done, budget);
            if ((e.status().equals("kernel-died")) && Sandbox.oomKilled(cg)) {
                e = new Execution("out-of-memory", "the kernel was killed in cell " + e.failedCell() + " for using more than "
                        + limits.memoryBytes() / (1 << 20) + " MiB", e.failedCell(), e.seconds(), e.completed(),
                        e.notebook(), wall);
            }
            return e;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the notebook in " + run, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while grading", e);
        } finally {
            Sandbox.removeCgroup(cg);
            Sandbox.removeCgroup(pids);
            if (uid >= 0) {
                UIDS.remove(uid);
            }
            if (System.getenv("LABKIT_GRADE_KEEP") == null) { // debugging: keep the run's files
                FileTrees.deleteQuietly(work);
                FileTrees.deleteQuietly(run);
            }
        }
    }

    /** A uid no other run of this grader is using now. */
    private static int takeUid() {
        while (true) {
            int uid = UID_BASE + RANDOM.nextInt(1_000_000);
            if (UIDS.add(uid)) {
                return uid;
            }
        }
    }

    private static Execution parse(Path stdout, Path stderr, JsonObject original, double wall,
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
            String why = done ? "the grader's runner gave no result: " + err
                    : "the grader's runner did not finish within " + budget + " s and was killed";
            return new Execution(done ? "error" : "notebook-timeout", why, -1, Map.of(), List.of(), original, wall);
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
                nb, wall);
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
