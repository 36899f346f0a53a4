package labkit.grade;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import labkit.io.FileTrees;

/**
 * Where and how submissions run: prepared once per batch in a fresh folder under the system temp folder (the
 * unprivileged user may pass through it but not list it; removed by {@link #close()}), it holds the notebook-execution helper, a copy of the Java kernel and the DJL native cache that
 * an unprivileged user can read, and a launcher that puts the kernel in a memory cgroup, sets rlimits and drops
 * to {@code nobody}. {@link #features()} says which of these the OS allowed.
 *
 * <p>As root: the helper runs in fresh network, PID and mount namespaces ({@code unshare}; only loopback,
 * every process killed when it ends) and the kernel as {@code nobody:nogroup} with no capabilities. As another
 * user: a user+network namespace when unprivileged namespaces are allowed, else no network isolation.
 */
public final class Sandbox implements AutoCloseable {
    private static final int NOBODY = 65534;
    private final Path dir;
    private final String python;
    private final Limits limits;
    private final List<String> features = new ArrayList<>();
    private final List<String> wrapper = new ArrayList<>();
    private final Path kernelScript;
    private final String jar;
    private final Path djlCache;
    private final Path cgroupParent;
    private final boolean dropUser;

    private Sandbox(Path dir, String python, Limits limits, Path kernelScript, String jar, Path djlCache,
                    Path cgroupParent, boolean dropUser) {
        this.dir = dir;
        this.python = python;
        this.limits = limits;
        this.kernelScript = kernelScript;
        this.jar = jar;
        this.djlCache = djlCache;
        this.cgroupParent = cgroupParent;
        this.dropUser = dropUser;
    }

    /**
     * Prepares a sandbox folder for kernel {@code kernelName} and the labkit jar {@code jar}; {@code out} is
     * where the grader writes (not used by the sandbox itself).
     * Throws {@link IllegalStateException} naming what is missing (python with nbclient, the kernel).
     */
    public static Sandbox prepare(Path out, String kernelName, Path jar, Limits limits) {
        try {
            Path dir = Files.createTempDirectory("labkit-sandbox-").toAbsolutePath();
            boolean root = isRoot();
            setMode(dir, "rwx--x--x");
            String python = findPython();
            Path helper = dir.resolve("execute_notebook.py");
            try (InputStream in = Sandbox.class.getResourceAsStream("execute_notebook.py")) {
                Files.copy(in, helper, StandardCopyOption.REPLACE_EXISTING);
            }
            JsonObject spec = kernelSpec(python, kernelName);
            boolean isolate = limits.isolate();
            boolean drop = isolate && root && works(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
                    "--clear-groups", "true"));
            Path kernelScript = kernelScript(spec, kernelName);
            if (drop) {
                kernelScript = copyKernel(kernelScript, dir.resolve("kernel"));
            }
            Path jarPath = jar.toAbsolutePath();
            if (drop && !readableByNobody(jarPath)) {
                Path copy = dir.resolve("lib").resolve("labkit-all.jar");
                Files.createDirectories(copy.getParent());
                linkOrCopy(jarPath, copy);
                setMode(dir.resolve("lib"), "rwxr-xr-x");
                jarPath = copy;
            }
            Path djl = sharedDjlCache(dir, drop);
            Path cg = isolate ? cgroupParent(root) : null;
            Sandbox s = new Sandbox(dir, python, limits, kernelScript, jarPath.toString(), djl, cg, drop);
            s.writeLauncher();
            if (isolate) {
                List<String> ns = root
                        ? List.of("unshare", "--net", "--pid", "--fork", "--kill-child", "--mount-proc")
                        : List.of("unshare", "--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child",
                                "--mount-proc");
                List<String> probe = new ArrayList<>(ns);
                probe.addAll(List.of("ip", "link", "set", "lo", "up"));
                if (works(probe)) {
                    s.wrapper.addAll(ns);
                    s.features.add("network namespace (loopback only)");
                    s.features.add("PID namespace (all processes killed at the end)");
                }
                if (drop) {
                    s.features.add("kernel runs as nobody:nogroup, no capabilities");
                }
                if (cg != null) {
                    s.features.add("memory cgroup " + limits.memoryBytes() / (1 << 20) + " MiB");
                }
                if (works(List.of("prlimit", "--version"))) {
                    s.features.add("rlimits (file size 256 MiB, no core dumps, 1024 processes)");
                }
            }
            s.features.add("JVM heap -Xmx" + limits.heap() + ", exit on OutOfMemoryError");
            s.features.add("timeouts " + limits.cellSeconds() + " s per cell, " + limits.notebookSeconds() + " s per notebook");
            s.features.add("output cap " + limits.maxOutputBytes() + " bytes");
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the grading sandbox in " + out, e);
        }
    }

    /** Removes the sandbox folder (kernel copy, cache links, leftovers of runs). */
    @Override
    public void close() {
        if (System.getenv("LABKIT_GRADE_KEEP") == null) {
            FileTrees.deleteQuietly(dir);
        }
    }

    /** The isolation this machine allowed, one readable line each (recorded in every result). */
    public List<String> features() {
        return List.copyOf(features);
    }

    /** The labkit jar path the kernel loads (for {@code %jars}). */
    public String jar() {
        return jar;
    }

    /** The python that runs the helper. */
    public String python() {
        return python;
    }

    /** The sandbox folder. */
    public Path dir() {
        return dir;
    }

    Limits limits() {
        return limits;
    }

    /** Command prefix (namespaces) for the helper. */
    List<String> wrapper() {
        return wrapper;
    }

    boolean netns() {
        return !wrapper.isEmpty();
    }

    boolean dropUser() {
        return dropUser;
    }

    Path launcher() {
        return dir.resolve("kernel-launch.sh");
    }

    Path djlCache() {
        return djlCache;
    }

    /** A fresh memory cgroup for one submission, or null when none can be made. */
    Path newCgroup(String name) {
        if (cgroupParent == null) {
            return null;
        }
        try {
            Path cg = cgroupParent.resolve(name);
            Files.createDirectories(cg);
            Path v1 = cg.resolve("memory.limit_in_bytes");
            Path v2 = cg.resolve("memory.max");
            Files.writeString(Files.exists(v1) ? v1 : v2, Long.toString(limits.memoryBytes()));
            if (Files.exists(cg.resolve("memory.swap.max"))) {
                Files.writeString(cg.resolve("memory.swap.max"), "0");
            }
            return cg;
        } catch (IOException e) {
            return null;
        }
    }

    /** True when the cgroup's OOM killer fired. */
    static boolean oomKilled(Path cg) {
        if (cg == null) {
            return false;
        }
        for (String f : List.of("memory.oom_control", "memory.events")) {
            try {
                for (String line : Files.readAllLines(cg.resolve(f))) {
                    String[] kv = line.trim().split("\\s+");
                    if (kv.length == 2 && kv[0].equals("oom_kill") && Long.parseLong(kv[1]) > 0) {
                        return true;
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // not this cgroup version
            }
        }
        try { // cgroup v1 without oom_kill: the limit was hit
            return Long.parseLong(Files.readString(cg.resolve("memory.failcnt")).trim()) > 0;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Kills whatever is left in the cgroup and removes it. */
    static void removeCgroup(Path cg) {
        if (cg == null) {
            return;
        }
        for (int attempt = 0; attempt < 20; attempt++) {
            try {
                for (String pid : Files.readAllLines(cg.resolve("cgroup.procs"))) {
                    if (!pid.isBlank()) {
                        ProcessHandle.of(Long.parseLong(pid.trim())).ifPresent(ProcessHandle::destroyForcibly);
                    }
                }
                Files.delete(cg);
                return;
            } catch (IOException | RuntimeException e) {
                try {
                    Thread.sleep(100);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    private void writeLauncher() throws IOException {
        String rlimits = "--fsize=268435456 --core=0 --nproc=1024";
        String script = "#!/bin/sh\n"
                + "# labkit grader: starts the Java kernel of one submission.  Usage: kernel-launch.sh CGROUP|- WORKDIR CONNECTION_FILE\n"
                + "set -e\n"
                + "[ \"$1\" != - ] && echo $$ > \"$1/cgroup.procs\"\n"
                + "work=\"$2\"; conn=\"$3\"\n"
                + "cp \"$conn\" \"$work/.connection.json\" && chmod 644 \"$work/.connection.json\"\n"
                + "limits=''; command -v prlimit >/dev/null 2>&1 && limits='prlimit " + rlimits + " --'\n"
                + (dropUser
                    ? "# kernel.sh's parent watcher cannot signal a root parent once unprivileged: the PID namespace\n"
                        + "# (or the grader) ends the kernel instead\nunset JPY_PARENT_PID\n"
                        + "exec $limits setpriv --reuid=" + NOBODY + " --regid=" + NOBODY + " --clear-groups --inh-caps=-all "
                        + "--bounding-set=-all --no-new-privs -- bash '" + kernelScript + "' \"$work/.connection.json\"\n"
                    : "exec $limits bash '" + kernelScript + "' \"$work/.connection.json\"\n");
        Path launcher = launcher();
        Files.writeString(launcher, script);
        setMode(launcher, "rwxr-xr-x");
    }

    static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid", LinkOption.NOFOLLOW_LINKS)) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
    }

    private static String findPython() {
        List<String> candidates = new ArrayList<>();
        String env = System.getenv("LABKIT_PYTHON");
        if (env != null && !env.isBlank()) {
            candidates.add(env);
        }
        candidates.addAll(List.of("/usr/bin/python3", "python3"));
        for (String py : candidates) {
            if (works(List.of(py, "-c", "import nbclient, nbformat, jupyter_client"))) {
                return py;
            }
        }
        throw new IllegalStateException("no python3 with nbclient, nbformat and jupyter_client found (tried "
                + candidates + "); run environment/install-jupyter.sh or set LABKIT_PYTHON");
    }

    private static JsonObject kernelSpec(String python, String name) throws IOException {
        String code = "import json,sys\nfrom jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel\n"
                + "try:\n  s = KernelSpecManager().get_kernel_spec(sys.argv[1])\n"
                + "except NoSuchKernel:\n  print('{}'); sys.exit(0)\n"
                + "print(json.dumps({'argv': s.argv, 'dir': s.resource_dir}))\n";
        String out = run(List.of(python, "-c", code, name), 60).strip();
        JsonObject spec = JsonParser.parseString(out.isEmpty() ? "{}" : out.lines().reduce((a, b) -> b).orElse("{}"))
                .getAsJsonObject();
        if (!spec.has("argv")) {
            throw new IllegalStateException("Jupyter kernel '" + name + "' is not installed; run "
                    + "environment/install-kernel.sh (it registers the Java kernel 'java')");
        }
        return spec;
    }

    /** The launcher script of a kernel installed by environment/install-kernel.sh (argv: bash kernel.sh {cf}). */
    private static Path kernelScript(JsonObject spec, String name) {
        for (var e : spec.getAsJsonArray("argv")) {
            String a = e.getAsString();
            if (a.endsWith(".sh") && Files.isRegularFile(Path.of(a))) {
                return Path.of(a);
            }
        }
        throw new IllegalStateException("kernel '" + name + "' was not installed by environment/install-kernel.sh "
                + "(its argv " + spec.get("argv") + " has no kernel.sh); the grader needs that kernel");
    }

    /** Copies the kernel's folder (jars and kernel.sh) where nobody can read it, pointing kernel.sh at the copy. */
    private static Path copyKernel(Path script, Path target) throws IOException {
        Path from = script.getParent();
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                if (Files.isRegularFile(f)) {
                    Path to = target.resolve(f.getFileName());
                    if (f.getFileName().toString().endsWith(".sh")) {
                        String text = Files.readString(f).replace(from.toString(), target.toString());
                        Files.writeString(to, text);
                    } else if (!Files.exists(to) || Files.size(to) != Files.size(f)) {
                        linkOrCopy(f, to);
                    }
                    setMode(to, "rwxr-xr-x");
                }
            }
        }
        setMode(target, "rwxr-xr-x");
        return target.resolve(script.getFileName());
    }

    /** DJL's native cache, shared read-only: hard links (or copies) of the grader's own cache. */
    private static Path sharedDjlCache(Path dir, boolean drop) throws IOException {
        String home = System.getProperty("user.home");
        Path own = Path.of(System.getenv().getOrDefault("DJL_CACHE_DIR", home + "/.djl.ai"));
        if (!drop || !Files.isDirectory(own)) {
            return null;
        }
        Path target = dir.resolve("djl-cache");
        try (Stream<Path> all = Files.walk(own)) {
            for (Path f : (Iterable<Path>) all::iterator) {
                Path to = target.resolve(own.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(to);
                    setMode(to, "rwxr-xr-x");
                } else if (Files.isRegularFile(f) && (!Files.exists(to) || Files.size(to) != Files.size(f))) {
                    linkOrCopy(f, to);
                }
            }
        }
        return target;
    }

    private static void linkOrCopy(Path from, Path to) throws IOException {
        Files.deleteIfExists(to);
        try {
            Files.createLink(to, from);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(from, to);
            setMode(to, "rw-r--r--");
        }
    }

    private static Path cgroupParent(boolean root) {
        if (!root) {
            return null;
        }
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] p = line.split(":", 3);
                Path base = null;
                if (p.length == 3 && p[1].equals("memory")) {
                    base = Path.of("/sys/fs/cgroup/memory" + p[2]);
                } else if (p.length == 3 && p[0].equals("0") && p[1].isEmpty()
                        && Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))) {
                    base = Path.of("/sys/fs/cgroup" + p[2]);
                }
                if (base != null) {
                    Path parent = base.resolve("labkit-grade");
                    Files.createDirectories(parent);
                    Path probe = parent.resolve("probe-" + ProcessHandle.current().pid());
                    Files.createDirectories(probe);
                    boolean ok = Files.exists(probe.resolve("memory.limit_in_bytes")) || Files.exists(probe.resolve("memory.max"));
                    Files.delete(probe);
                    if (ok) {
                        return parent;
                    }
                }
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
        return null;
    }

    private static boolean readableByNobody(Path p) {
        return works(List.of("setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY, "--clear-groups", "test", "-r",
                p.toString()));
    }

    static void setMode(Path p, String mode) {
        try {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
        } catch (IOException | UnsupportedOperationException e) {
            // best effort
        }
    }

    static boolean works(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static String run(List<String> command, int seconds) throws IOException {
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
