package labkit.grade;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import labkit.io.FileTrees;

/**
 * Where and how submissions run: prepared once per batch in a fresh folder under the system temp folder (0711,
 * removed by {@link #close()}), it holds the labkit jar and the DJL native cache that the agent JVMs read, and the
 * launcher that starts each agent. {@link #features()} says which isolation the OS allowed.
 *
 * <p>As root, each submission's {@link CellRunner} runs in fresh network, PID and mount namespaces ({@code unshare};
 * loopback only, every process killed when it ends), and its agent JVM (the only process that runs student code)
 * in a private root: read-only binds of {@code /usr}, a few {@code /etc} entries, the jar at {@code /labkit} and
 * the DJL cache at {@code /djl}; fresh tmpfs for {@code /work}, {@code /tmp}, {@code /var/tmp} and {@code /dev/shm};
 * nothing else of the machine (no instructor files, other submissions or outputs). The agent runs as a uid of its
 * own (so one student's processes cannot use up another's process limit), without capabilities, in a memory and
 * a pids cgroup, with rlimits. All of it disappears with the namespace. As another user: a user+network namespace
 * when unprivileged namespaces are allowed, else no isolation.
 */
public final class Sandbox implements AutoCloseable {
    /** Where the jar appears inside the agent's private root. */
    static final String AGENT_JAR = "/labkit/labkit-all.jar";
    /** Where the DJL cache appears inside the agent's private root. */
    static final String AGENT_DJL = "/djl";
    private final Path dir;
    private final Limits limits;
    private final List<String> features = new ArrayList<>();
    private final List<String> wrapper = new ArrayList<>();
    private final Path jar;
    private final Path djlCache;
    private final Path cgroupParent;
    private final Path pidsParent;
    private final boolean root;

    private Sandbox(Path dir, Limits limits, Path jar, Path djlCache, Path cgroupParent, Path pidsParent,
                    boolean root) {
        this.dir = dir;
        this.limits = limits;
        this.jar = jar;
        this.djlCache = djlCache;
        this.cgroupParent = cgroupParent;
        this.pidsParent = pidsParent;
        this.root = root;
    }

    /**
     * Prepares a sandbox for the labkit jar {@code jar}; {@code out} names the grader's output folder in errors.
     * Throws {@link IllegalStateException} naming what is missing.
     */
    public static Sandbox prepare(Path out, Path jar, Limits limits) {
        try {
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException("no labkit jar at '" + jar + "'; build it (mvn -q package -DskipTests)");
            }
            Path dir = Files.createTempDirectory("labkit-sandbox-").toAbsolutePath();
            boolean isolate = limits.isolate();
            boolean root = isolate && isRoot() && works(List.of("unshare", "--mount", "--net", "--pid", "--fork",
                    "--kill-child", "--mount-proc", "sh", "-c", "ip link set lo up && mount -t tmpfs x /mnt && "
                            + "setpriv --reuid=2000000 --regid=2000000 --clear-groups true"));
            setMode(dir, "rwx--x--x");
            Path lib = dir.resolve("lib");
            Files.createDirectories(lib);
            setMode(lib, "rwxr-xr-x");
            Path jarCopy = lib.resolve("labkit-all.jar");
            linkOrCopy(jar.toAbsolutePath(), jarCopy);
            setMode(jarCopy, "rw-r--r--");
            Path djl = sharedDjlCache(dir, root);
            Path cg = root ? cgroupParent("memory") : null;
            Path pids = root ? cgroupParent("pids") : null;
            Sandbox s = new Sandbox(dir, limits, jarCopy, djl, cg, pids, root);
            s.writeLauncher();
            if (root) {
                s.wrapper.addAll(List.of("unshare", "--mount", "--net", "--pid", "--fork", "--kill-child", "--mount-proc"));
                s.features.add("network namespace (loopback only)");
                s.features.add("PID namespace (all processes killed at the end)");
                s.features.add("student code in an agent JVM separate from the grader's runner");
                s.features.add("private root: read-only /usr, jar, DJL cache; private /work, /tmp, /var/tmp, /dev/shm");
                s.features.add("a uid of its own per submission, no capabilities");
                if (cg != null) {
                    s.features.add("memory cgroup " + limits.memoryBytes() / (1 << 20) + " MiB");
                }
                if (pids != null) {
                    s.features.add("pids cgroup, " + PIDS + " processes");
                }
                s.features.add("rlimits (file size 256 MiB, no core dumps, " + PIDS + " processes)");
            } else if (isolate) {
                List<String> ns = List.of("unshare", "--user", "--map-root-user", "--net", "--pid", "--fork",
                        "--kill-child", "--mount-proc");
                List<String> probe = new ArrayList<>(ns);
                probe.addAll(List.of("ip", "link", "set", "lo", "up"));
                if (works(probe)) {
                    s.wrapper.addAll(ns);
                    s.features.add("network namespace (loopback only)");
                    s.features.add("PID namespace (all processes killed at the end)");
                }
                s.features.add("student code in an agent JVM separate from the grader's runner");
                s.features.add("not root: no private root, no uid of its own, no cgroups");
            } else {
                s.features.add("student code in an agent JVM separate from the grader's runner");
                s.features.add("no isolation (--no-isolation)");
            }
            s.features.add("JVM heap -Xmx" + limits.heap() + ", exit on OutOfMemoryError, no attach");
            s.features.add("timeouts " + limits.cellSeconds() + " s per cell, " + limits.notebookSeconds() + " s per notebook");
            s.features.add("output cap " + limits.maxOutputBytes() + " bytes per cell and per notebook");
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare the grading sandbox for " + out, e);
        }
    }

    /** Processes (and threads) one submission may have. */
    static final int PIDS = 1024;

    /** Removes the sandbox folder (jar copy, cache links, leftovers of runs). */
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

    /** The labkit jar (the sandbox's copy) that runners compile against and agents load. */
    public String jar() {
        return jar.toString();
    }

    /** The sandbox folder. */
    public Path dir() {
        return dir;
    }

    Limits limits() {
        return limits;
    }

    /** Command prefix (namespaces) for the runner. */
    List<String> wrapper() {
        return wrapper;
    }

    /** True when agents get a private root, a uid of their own and cgroups. */
    boolean rooted() {
        return root;
    }

    Path launcher() {
        return dir.resolve("agent-launch.sh");
    }

    Path djlCache() {
        return djlCache;
    }

    /** A fresh pids cgroup for one submission, or null when none can be made. */
    Path newPidsCgroup(String name) {
        if (pidsParent == null) {
            return null;
        }
        try {
            Path cg = pidsParent.resolve(name);
            Files.createDirectories(cg);
            Files.writeString(cg.resolve("pids.max"), Integer.toString(PIDS));
            return cg;
        } catch (IOException e) {
            return null;
        }
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

    /**
     * The agent launcher (run as root by the runner, inside its namespaces): joins the cgroups, builds the private
     * root, drops to the submission's uid and starts the agent JVM. Usage: {@code agent-launch.sh MEMCG|- PIDSCG|-
     * ROOTDIR UID JAVA_HOME -- JAVA_ARGS…}.
     */
    private void writeLauncher() throws IOException {
        long tmp = Math.max(64L << 20, limits.memoryBytes() / 2);
        String script = "#!/bin/sh\n"
                + "# labkit grader: starts the agent JVM of one submission in a private root as its own uid.\n"
                + "set -eu\n"
                + "mem=\"$1\"; pids=\"$2\"; root=\"$3\"; uid=\"$4\"; jhome=\"$5\"; shift 6\n"
                + "[ \"$mem\" = - ] || echo $$ > \"$mem/cgroup.procs\"\n"
                + "[ \"$pids\" = - ] || echo $$ > \"$pids/cgroup.procs\"\n"
                + "mkdir -p \"$root\"\n"
                + "mount -t tmpfs -o size=16m,mode=0755 labkit-root \"$root\"\n"
                + "ro() { # ro SOURCE TARGET: a read-only bind\n"
                + "  if [ -d \"$1\" ]; then mkdir -p \"$root$2\"; else mkdir -p \"$(dirname \"$root$2\")\"; : > \"$root$2\"; fi\n"
                + "  mount --bind \"$1\" \"$root$2\"\n"
                + "  mount -o remount,bind,ro,nosuid,nodev \"$root$2\"\n"
                + "}\n"
                + "ro /usr /usr\n"
                + "for d in bin sbin lib lib32 lib64 libx32; do\n"
                + "  if [ -L \"/$d\" ]; then ln -s \"$(readlink \"/$d\")\" \"$root/$d\"; elif [ -d \"/$d\" ]; then ro \"/$d\" \"/$d\"; fi\n"
                + "done\n"
                + "for e in passwd group hosts nsswitch.conf ld.so.cache ld.so.conf ld.so.conf.d alternatives ssl "
                + "fonts fontconfig localtime timezone java-17-openjdk java-21-openjdk; do\n"
                + "  [ -e \"/etc/$e\" ] && ro \"$(readlink -f \"/etc/$e\")\" \"/etc/$e\"\n"
                + "done\n"
                + "case \"$jhome\" in /usr/*) ;; *) ro \"$jhome\" \"$jhome\" ;; esac\n"
                + "ro '" + jar.getParent() + "' /labkit\n"
                + (djlCache != null ? "ro '" + djlCache + "' " + AGENT_DJL + "\n" : "")
                + "mkdir -p \"$root/proc\" \"$root/dev\" \"$root/tmp\" \"$root/var/tmp\" \"$root/work\"\n"
                + "mount -t proc proc \"$root/proc\"\n"
                + "mount -t tmpfs -o size=1m,mode=0755 labkit-dev \"$root/dev\"\n"
                + "for n in null zero random urandom full; do : > \"$root/dev/$n\"; mount --bind \"/dev/$n\" \"$root/dev/$n\"; done\n"
                + "mkdir -p \"$root/dev/shm\"\n"
                + "for t in /tmp /var/tmp /dev/shm; do mount -t tmpfs -o size=" + tmp + ",mode=1777,nosuid,nodev labkit-tmp \"$root$t\"; done\n"
                + "mount -t tmpfs -o size=" + tmp + ",mode=0700,uid=$uid,gid=$uid,nosuid,nodev labkit-work \"$root/work\"\n"
                + "mount -o remount,ro \"$root\"\n"
                + "cd /\n"
                + "exec chroot \"$root\" /usr/bin/prlimit --fsize=268435456 --core=0 --nproc=" + PIDS + " -- "
                + "/usr/bin/setpriv --reuid=\"$uid\" --regid=\"$uid\" --clear-groups --inh-caps=-all --bounding-set=-all "
                + "--no-new-privs -- /usr/bin/env -i --chdir=/work PATH=/usr/local/bin:/usr/bin:/bin HOME=/work LANG=C.UTF-8 "
                + "MALLOC_ARENA_MAX=2 LABKIT_QUICK=\"${LABKIT_QUICK:-1}\" DJL_CACHE_DIR=" + AGENT_DJL + " \"$@\"\n";
        Path launcher = launcher();
        Files.writeString(launcher, script);
        setMode(launcher, "rwx------");
    }

    static boolean isRoot() {
        try {
            return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid", LinkOption.NOFOLLOW_LINKS)) == 0;
        } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
            return false;
        }
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

    /** {@code labkit-grade} under this process's cgroup (v1 {@code controller}, or v2 with it enabled), or null. */
    private static Path cgroupParent(String controller) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
                String[] p = line.split(":", 3);
                Path base = null;
                if (p.length == 3 && List.of(p[1].split(",")).contains(controller)) {
                    base = Path.of("/sys/fs/cgroup/" + controller + p[2]);
                } else if (p.length == 3 && p[0].equals("0") && p[1].isEmpty()
                        && Files.exists(Path.of("/sys/fs/cgroup/cgroup.controllers"))) {
                    base = Path.of("/sys/fs/cgroup" + p[2]);
                }
                if (base != null && Files.isDirectory(base)) {
                    Path parent = base.resolve("labkit-grade");
                    Files.createDirectories(parent);
                    Path probe = parent.resolve("probe-" + ProcessHandle.current().pid());
                    Files.createDirectories(probe);
                    String file = controller.equals("memory") ? "memory.max" : "pids.max";
                    boolean ok = Files.exists(probe.resolve(file)) || Files.exists(probe.resolve("memory.limit_in_bytes"));
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

}
