package labkit.grade;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;
import jdk.jshell.UnresolvedReferenceException;
import jdk.jshell.execution.StreamingExecutionControl;
import jdk.jshell.execution.Util;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * The grader's trusted notebook runner: one process per submission, started by {@link Executor}. It holds the JShell
 * state (compiler, snippet splitting, verdicts) while every snippet runs in a separate agent JVM that it starts with
 * a fixed command (the labkit jar alone on its class path; in the sandbox a private root, its own uid, a memory
 * cgroup). Student code runs only in the agent and reaches the runner through JShell's wire protocol alone, so it
 * cannot patch how cells are split, compiled, timed or judged; a cell's verdict is whether JShell reports an error
 * for it, and partial credit is read after the cell through {@link Check#take}, which needs a token that only this
 * process knows.
 *
 * <p>Input ({@code --request FILE}, JSON): {@code notebook}, {@code agent} (argv; the TCP port is appended),
 * {@code jar} (the jar's path as the agent sees it), {@code compile_jar}, {@code cell_seconds},
 * {@code notebook_seconds}, {@code max_output_bytes}. Output ({@code --out FILE}, JSON): {@code status}
 * (completed, cell-timeout, notebook-timeout, kernel-died, out-of-memory, output-limit, kernel-start-failed, error),
 * {@code message}, {@code failed_cell}, {@code cells} ({@code index}, {@code executed}, {@code seconds}) and the
 * executed {@code notebook}, whose cells carry {@code metadata.labkit_grader.partial} when a fraction was recorded.
 */
public final class CellRunner {
    /** Cell metadata key under which the runner records what it read from the agent besides outputs. */
    public static final String META = "labkit_grader";
    private static final Pattern LINES = Pattern.compile("\\R");
    private static final Pattern LABKIT_JARS = Pattern.compile("^\\s*%%?jars?\\s+\\S*labkit[^\\s/]*\\.jar\\s*$");
    /** How long the agent may take to start and answer its first snippet. */
    static final int START_SECONDS = 240;

    private final JsonObject request;
    private final Capture capture;
    private Process agent;
    private JShell shell;

    private CellRunner(JsonObject request) {
        this.request = request;
        this.capture = new Capture(request.get("max_output_bytes").getAsLong(), this::kill);
    }

    /** {@code CellRunner --request FILE --out FILE}. */
    public static void main(String[] args) throws Exception {
        if (args.length != 4 || !args[0].equals("--request") || !args[2].equals("--out")) {
            System.err.println("usage: CellRunner --request FILE --out FILE (started by the labkit grader)");
            System.exit(2);
        }
        JsonObject request = JsonParser.parseString(Files.readString(Path.of(args[1]), StandardCharsets.UTF_8))
                .getAsJsonObject();
        JsonObject result = new CellRunner(request).run();
        Path out = Path.of(args[3]);
        Files.writeString(out, Ipynb.toJson(result), StandardCharsets.UTF_8);
        System.exit(0); // the JShell threads and a stuck agent must not keep the runner alive
    }

    private JsonObject run() {
        JsonObject nb = request.getAsJsonObject("notebook").deepCopy();
        List<JsonObject> cells = Ipynb.cells(nb);
        JsonObject result = new JsonObject();
        result.addProperty("status", "completed");
        result.addProperty("message", "");
        result.add("failed_cell", null);
        Map<Integer, Double> seconds = new LinkedHashMap<>();
        List<Integer> executed = new ArrayList<>();
        long cellMs = request.get("cell_seconds").getAsLong() * 1000;
        ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "labkit-grader-eval");
            t.setDaemon(true);
            return t;
        });
        String token = HexFormat.of().formatHex(randomBytes());
        try {
            String started = start(token, worker);
            if (started != null) {
                result.addProperty("status", "kernel-start-failed");
                result.addProperty("message", started);
                return finish(result, nb, cells, seconds, executed);
            }
            long deadline = System.currentTimeMillis() + request.get("notebook_seconds").getAsLong() * 1000;
            for (int i = 0; i < cells.size(); i++) {
                JsonObject cell = cells.get(i);
                if (!Ipynb.type(cell).equals("code")) {
                    continue;
                }
                Ipynb.metadata(cell).remove(META);
                cell.add("outputs", new JsonArray());
                capture.start(cell);
                long t0 = System.currentTimeMillis();
                long budget = Math.min(cellMs, deadline - t0);
                if (budget <= 0) {
                    stop(result, "notebook-timeout", i, "notebook time limit of " + request.get("notebook_seconds")
                            + "s reached before cell " + i);
                    break;
                }
                String stop = null;
                Future<Boolean> f = worker.submit(() -> runCell(cell));
                try {
                    f.get(budget, TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    boolean whole = System.currentTimeMillis() >= deadline - 1000;
                    stop = whole ? "notebook-timeout" : "cell-timeout";
                    kill();
                    stop(result, stop, i, whole ? "notebook time limit of " + request.get("notebook_seconds")
                            + "s reached in cell " + i : "cell " + i + " ran past the cell time limit of "
                            + request.get("cell_seconds") + "s");
                } catch (java.util.concurrent.ExecutionException e) {
                    stop = "died";
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
                capture.flushAgentOutput();
                seconds.put(i, (System.currentTimeMillis() - t0) / 1000.0);
                if (stop == null && capture.over()) {
                    stop = "output";
                }
                if (stop == null && !agent.isAlive()) {
                    stop = "died";
                }
                if (stop == null) {
                    String partial = takePartial(token, worker);
                    if (partial == null) {
                        stop = agent.isAlive() ? "error" : "died";
                    } else if (!partial.isEmpty()) {
                        Ipynb.metadata(cell).add(META, partialJson(partial));
                    }
                }
                if (stop == null) {
                    executed.add(i);
                    continue;
                }
                if (capture.over()) {
                    kill();
                    capture.note("[labkit grader: output limit of " + capture.max + " bytes reached; the run was stopped]\n");
                    stop(result, "output-limit", i, "cell " + i + " wrote more than " + capture.max + " bytes of output");
                } else if (stop.equals("died")) {
                    int code = waitExit();
                    boolean oom = code == 3;
                    stop(result, oom ? "out-of-memory" : "kernel-died", i, "the kernel died in cell " + i
                            + (oom ? " (out of memory)" : " (System.exit, a crash or a kill; exit code " + code + ")"));
                } else if (stop.equals("error")) {
                    stop(result, "error", i, "the grader could not read cell " + i + "'s result from the kernel");
                }
                break;
            }
        } catch (RuntimeException e) {
            result.addProperty("status", "error");
            result.addProperty("message", e.getClass().getSimpleName() + ": " + e.getMessage());
        } finally {
            kill();
            worker.shutdownNow();
        }
        return finish(result, nb, cells, seconds, executed);
    }

    private static void stop(JsonObject result, String status, int cell, String message) {
        result.addProperty("status", status);
        result.addProperty("message", message);
        result.addProperty("failed_cell", cell);
    }

    private JsonObject finish(JsonObject result, JsonObject nb, List<JsonObject> cells, Map<Integer, Double> seconds,
                              List<Integer> executed) {
        JsonArray cs = new JsonArray();
        for (int i = 0; i < cells.size(); i++) {
            if (Ipynb.type(cells.get(i)).equals("code")) {
                JsonObject c = new JsonObject();
                c.addProperty("index", i);
                c.addProperty("executed", executed.contains(i));
                c.addProperty("seconds", Math.round(seconds.getOrDefault(i, 0.0) * 1000) / 1000.0);
                cs.add(c);
            }
        }
        Ipynb.setCells(nb, cells);
        result.add("cells", cs);
        result.add("notebook", nb);
        return result;
    }

    /** Starts the agent and seals {@link Check}; null when it worked, else why not. */
    private String start(String token, ExecutorService worker) {
        String compileJar = request.get("compile_jar").getAsString();
        PrintStream out = new PrintStream(capture.stream("stdout"), true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(capture.stream("stderr"), true, StandardCharsets.UTF_8);
        capture.start(new JsonObject());
        try {
            Future<String> f = worker.submit(() -> {
                shell = JShell.builder().out(out).err(err).in(InputStream.nullInputStream())
                        .compilerOptions("--class-path", compileJar)
                        .executionEngine(new AgentProvider(), Map.of()).build();
                String hash = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                        .digest(token.getBytes(StandardCharsets.UTF_8)));
                List<SnippetEvent> ev = shell.eval("labkit.grade.Check.seal(\"" + hash + "\");");
                SnippetEvent last = ev.isEmpty() ? null : ev.get(ev.size() - 1);
                if (last == null || last.exception() != null || last.value() == null) {
                    return "the kernel could not load labkit.grade.Check" + (last != null && last.exception() != null
                            ? " (" + last.exception() + ")" : "");
                }
                String where = unquote(last.value());
                String jar = request.get("jar").getAsString();
                if (!where.equals(jar)) {
                    return "labkit.grade.Check was loaded from '" + where + "', not from the grader's jar '" + jar + "'";
                }
                return null;
            });
            return f.get(START_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            return "the kernel did not start within " + START_SECONDS + " s; log: " + capture.agentLog();
        } catch (Exception e) {
            Throwable c = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
            return "the kernel did not start (" + c + "); log: " + capture.agentLog();
        }
    }

    private String takePartial(String token, ExecutorService worker) {
        try {
            return worker.submit(() -> {
                List<SnippetEvent> ev = shell.eval("labkit.grade.Check.take(\"" + token + "\");");
                SnippetEvent last = ev.isEmpty() ? null : ev.get(ev.size() - 1);
                if (last == null || last.exception() != null || last.value() == null) {
                    return null;
                }
                String hex = unquote(last.value());
                return hex.isEmpty() ? "" : new String(HexFormat.of().parseHex(hex), StandardCharsets.UTF_8);
            }).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            return null;
        }
    }

    private static JsonObject partialJson(String text) {
        int space = text.indexOf(' ');
        JsonObject m = new JsonObject();
        m.addProperty("partial", Double.parseDouble(space < 0 ? text : text.substring(0, space)));
        m.addProperty("why", space < 0 ? "" : text.substring(space + 1));
        return m;
    }

    /** Runs one code cell: magics, then each complete snippet in turn until the first error. */
    private boolean runCell(JsonObject cell) {
        StringBuilder code = new StringBuilder();
        for (String line : LINES.split(Ipynb.source(cell), -1)) {
            String t = line.strip();
            if (LABKIT_JARS.matcher(line).matches()) {
                code.append('\n'); // labkit is first on the agent's class path already
            } else if (t.startsWith("%")) {
                error(cell, "MagicNotAllowed", "the grader runs no magics (" + t + "); labkit is already loaded",
                        List.of());
                return false;
            } else {
                code.append(line).append('\n');
            }
        }
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        String rest = code.toString();
        SnippetEvent lastEvent = null;
        while (!rest.isBlank()) {
            SourceCodeAnalysis.CompletionInfo ci = analysis.analyzeCompletion(rest);
            String src;
            switch (ci.completeness()) {
                case COMPLETE, COMPLETE_WITH_SEMI -> {
                    src = ci.source();
                    rest = ci.remaining();
                }
                case EMPTY -> {
                    return true;
                }
                default -> {
                    src = rest;
                    rest = "";
                }
            }
            List<SnippetEvent> events = shell.eval(src);
            for (SnippetEvent e : events) {
                if (e.causeSnippet() != null) {
                    continue;
                }
                lastEvent = e;
                if (e.status() == Snippet.Status.REJECTED) {
                    List<String> lines = new ArrayList<>();
                    StringBuilder msg = new StringBuilder();
                    shell.diagnostics(e.snippet()).forEach(d -> {
                        String m = d.getMessage(java.util.Locale.ROOT);
                        msg.append(msg.length() > 0 ? "; " : "").append(m.lines().findFirst().orElse(m));
                        lines.add(m);
                    });
                    for (String l : src.strip().split("\n")) {
                        lines.add("| " + l);
                    }
                    error(cell, "CompilationException", msg.length() > 0 ? msg.toString() : "the snippet does not compile",
                            lines);
                    return false;
                }
                if (e.exception() != null) {
                    exception(cell, e.exception());
                    return false;
                }
            }
        }
        if (lastEvent != null && lastEvent.value() != null && !lastEvent.value().isEmpty()
                && (lastEvent.snippet().kind() == Snippet.Kind.EXPRESSION
                || lastEvent.snippet().subKind() == Snippet.SubKind.TEMP_VAR_EXPRESSION_SUBKIND)) {
            JsonObject r = new JsonObject();
            r.addProperty("output_type", "execute_result");
            JsonObject data = new JsonObject();
            data.addProperty("text/plain", capture.cap(lastEvent.value()));
            r.add("data", data);
            r.add("metadata", new JsonObject());
            r.add("execution_count", null);
            cell.getAsJsonArray("outputs").add(r);
        }
        return true;
    }

    private void exception(JsonObject cell, Exception e) {
        String name;
        if (e instanceof EvalException ee) {
            name = ee.getExceptionClassName();
        } else if (e instanceof UnresolvedReferenceException ure) {
            name = "UnresolvedReferenceException";
            error(cell, name, "unresolved reference in " + ure.getSnippet().source().strip(), List.of());
            return;
        } else {
            name = e.getClass().getName();
        }
        List<String> lines = new ArrayList<>();
        Throwable t = e;
        for (int depth = 0; t != null && depth < 5; depth++) {
            if (depth > 0) {
                String cn = t instanceof EvalException ce ? ce.getExceptionClassName() : t.getClass().getName();
                lines.add("Caused by: " + cn + ": " + t.getMessage());
            }
            StackTraceElement[] st = t.getStackTrace();
            for (int k = 0; k < Math.min(st.length, 12); k++) {
                lines.add("\tat " + st[k]);
            }
            t = t.getCause();
        }
        error(cell, name, e.getMessage() == null ? "" : e.getMessage(), lines);
    }

    private void error(JsonObject cell, String ename, String evalue, List<String> more) {
        JsonObject o = new JsonObject();
        o.addProperty("output_type", "error");
        o.addProperty("ename", ename);
        o.addProperty("evalue", capture.cap(evalue));
        JsonArray tb = new JsonArray();
        tb.add(capture.cap(ename + ": " + evalue));
        more.forEach(l -> tb.add(capture.cap(l)));
        o.add("traceback", tb);
        cell.getAsJsonArray("outputs").add(o);
    }

    private static String unquote(String javaString) {
        String s = javaString.strip();
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }

    private void kill() {
        Process p = agent;
        if (p != null) {
            p.descendants().forEach(ProcessHandle::destroyForcibly);
            p.destroyForcibly();
        }
    }

    private int waitExit() {
        try {
            return agent.waitFor(10, TimeUnit.SECONDS) ? agent.exitValue() : -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static byte[] randomBytes() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return b;
    }

    /** Starts the agent JVM with the request's fixed command and speaks JShell's protocol over loopback TCP. */
    private final class AgentProvider implements ExecutionControlProvider {
        @Override
        public String name() {
            return "labkit-grader-agent";
        }

        @Override
        public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) throws Throwable {
            try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                server.setSoTimeout(START_SECONDS * 1000);
                List<String> cmd = new ArrayList<>();
                request.getAsJsonArray("agent").forEach(a -> cmd.add(a.getAsString()));
                cmd.add(Integer.toString(server.getLocalPort()));
                agent = new ProcessBuilder(cmd).start();
                capture.drain(agent.getInputStream());
                capture.drain(agent.getErrorStream());
                Socket socket = server.accept();
                Map<String, OutputStream> outs = Map.of("out", env.userOut(), "err", env.userErr());
                Map<String, InputStream> ins = Map.of("in", env.userIn());
                return Util.remoteInputOutput(socket.getInputStream(), socket.getOutputStream(), outs, ins,
                        (objIn, objOut) -> new StreamingExecutionControl(objOut, objIn) {
                            @Override
                            public void close() {
                                super.close();
                                kill();
                            }
                        });
            }
        }
    }

    /** Collects each cell's stream outputs, capped per cell and per run; the agent's raw output goes to stderr. */
    private static final class Capture {
        final long max;
        private JsonObject cell = new JsonObject();
        private long cellBytes;
        private long totalBytes;
        private volatile boolean over;
        private final StringBuilder agentRaw = new StringBuilder();
        private final StringBuilder agentLog = new StringBuilder();

        private final Runnable onOver;

        Capture(long max, Runnable onOver) {
            this.max = max;
            this.onOver = onOver;
        }

        synchronized void start(JsonObject c) {
            cell = c;
            cellBytes = 0;
        }

        boolean over() {
            return over;
        }

        String cap(String s) {
            return s.length() > 4000 ? s.substring(0, 4000) + "…" : s;
        }

        synchronized void note(String text) {
            append("stderr", text, false);
        }

        OutputStream stream(String name) {
            return new OutputStream() {
                private final java.io.ByteArrayOutputStream pending = new java.io.ByteArrayOutputStream();

                @Override
                public void write(int b) {
                    write(new byte[] {(byte) b}, 0, 1);
                }

                @Override
                public void write(byte[] b, int off, int len) {
                    synchronized (Capture.this) {
                        pending.write(b, off, len);
                        // keep incomplete UTF-8 sequences for the next write
                        byte[] all = pending.toByteArray();
                        int end = all.length;
                        int back = 0;
                        while (back < 3 && end - back - 1 >= 0 && (all[end - back - 1] & 0xC0) == 0x80) {
                            back++;
                        }
                        if (end - back - 1 >= 0 && (all[end - back - 1] & 0xC0) == 0xC0) {
                            back++;
                        } else {
                            back = 0;
                        }
                        pending.reset();
                        pending.write(all, end - back, back);
                        append(name, new String(all, 0, end - back, StandardCharsets.UTF_8), true);
                    }
                }
            };
        }

        /** Appends to the current cell's stream output of {@code name}; past the cap, marks the run as over. */
        private void append(String name, String text, boolean count) {
            if (text.isEmpty() || (over && count)) {
                return;
            }
            if (count) {
                long n = text.getBytes(StandardCharsets.UTF_8).length;
                cellBytes += n;
                totalBytes += n;
                if (cellBytes > max || totalBytes > max) {
                    over = true;
                    onOver.run(); // stop a flood at once, not at the cell's time limit
                    return;
                }
            }
            if (!cell.has("outputs")) {
                return; // start-up: kept in the agent log only
            }
            JsonArray outs = cell.getAsJsonArray("outputs");
            JsonObject last = outs.size() > 0 ? outs.get(outs.size() - 1).getAsJsonObject() : null;
            if (last != null && "stream".equals(last.get("output_type").getAsString())
                    && name.equals(last.get("name").getAsString())) {
                last.addProperty("text", last.get("text").getAsString() + text);
            } else {
                JsonObject o = new JsonObject();
                o.addProperty("output_type", "stream");
                o.addProperty("name", name);
                o.addProperty("text", text);
                outs.add(o);
            }
        }

        /** Reads the agent's raw stdout/stderr (JVM messages, native prints) in the background. */
        void drain(InputStream in) {
            Thread t = new Thread(() -> {
                byte[] buf = new byte[8192];
                try {
                    for (int n; (n = in.read(buf)) > 0; ) {
                        String s = new String(buf, 0, n, StandardCharsets.UTF_8);
                        synchronized (this) {
                            agentRaw.append(s);
                            if (agentLog.length() < 4000) {
                                agentLog.append(s, 0, Math.min(s.length(), 4000 - agentLog.length()));
                            }
                        }
                    }
                } catch (IOException ignored) {
                    // the agent is gone
                }
            }, "labkit-grader-agent-output");
            t.setDaemon(true);
            t.start();
        }

        /** Moves what the agent wrote outside JShell's streams into the current cell, as stderr. */
        void flushAgentOutput() {
            try {
                Thread.sleep(50); // let the drain threads catch up with a dying agent's last words
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            String s;
            synchronized (this) {
                s = agentRaw.toString();
                agentRaw.setLength(0);
                append("stderr", s, true);
            }
        }

        synchronized String agentLog() {
            String s = agentLog.toString().strip();
            return s.isEmpty() ? "(empty)" : s.lines().limit(5).reduce((a, b) -> a + " | " + b).orElse(s);
        }
    }
}
