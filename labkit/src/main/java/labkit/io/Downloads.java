package labkit.io;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Verified, resumable downloads into a cache, the way torch.hub does it: a file is looked up in labkit's cache
 * ({@code ~/.cache/labkit/}) and in PyTorch's ({@code $TORCH_HOME/hub/checkpoints} or
 * {@code ~/.cache/torch/hub/checkpoints}, so weights fetched from Python are reused); otherwise it is downloaded
 * to {@code NAME.part} (resuming a previous partial download with an HTTP Range request), its SHA-256 checked
 * against the hash in its name and the pinned hash, and only then renamed into place. Offline (see
 * {@link #offlineByDefault()}), only the caches are read and a missing file is an error that says exactly which
 * file to put where.
 */
public final class Downloads {
    private final Path cacheDir;
    private final List<Path> searchDirs;
    private final boolean offline;
    private final PrintStream progress;
    private final int retries;
    private final Duration timeout;

    private Downloads(Builder b) {
        this.cacheDir = b.cacheDir;
        this.searchDirs = List.copyOf(b.searchDirs);
        this.offline = b.offline;
        this.progress = b.progress;
        this.retries = b.retries;
        this.timeout = b.timeout;
    }

    /** The standard set-up: labkit's and PyTorch's caches, offline as {@link #offlineByDefault()} says. */
    public static Downloads standard() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code ~/.cache/labkit} (or {@code $LABKIT_CACHE}). */
    public static Path defaultCacheDir() {
        String env = System.getenv("LABKIT_CACHE");
        return env != null && !env.isBlank() ? Path.of(env)
                : Path.of(System.getProperty("user.home"), ".cache", "labkit");
    }

    /** PyTorch's checkpoint cache: {@code $TORCH_HOME/hub/checkpoints}, else {@code ~/.cache/torch/hub/checkpoints}. */
    public static Path torchHubCheckpoints() {
        String torchHome = System.getenv("TORCH_HOME");
        if (torchHome != null && !torchHome.isBlank()) {
            return Path.of(torchHome, "hub", "checkpoints");
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("torch").resolve("hub").resolve("checkpoints");
    }

    /**
     * Offline when {@code labkit.offline} (system property) or {@code LABKIT_OFFLINE} (environment) is true, or
     * when the user set {@code ai.djl.offline=true} themselves. ({@link labkit.Labkit#init()} also turns DJL's
     * flag on, for DJL's own model zoo; that default alone does not stop labkit's verified downloads.)
     */
    public static boolean offlineByDefault() {
        String p = System.getProperty("labkit.offline", System.getenv("LABKIT_OFFLINE"));
        if (p != null) {
            return isTrue(p);
        }
        return isTrue(System.getProperty("ai.djl.offline")) && System.getProperty("labkit.djlOfflineDefaulted") == null;
    }

    private static boolean isTrue(String v) {
        return v != null && (v.equals("1") || v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes"));
    }

    public boolean offline() {
        return offline;
    }

    public Path cacheDir() {
        return cacheDir;
    }

    /**
     * The verified local copy of {@code file}: from a cache when present there (checked), else downloaded.
     *
     * @throws HashMismatchException when the file does not hash to what its name promises
     * @throws IOException offline or unreachable with no cached copy (the message says where to put the file)
     */
    public Path fetch(RemoteFile file) throws IOException {
        Path cached = findCached(file);
        if (cached != null) {
            verify(file, cached, false);
            return cached;
        }
        if (offline) {
            throw new IOException(missingMessage(file, "offline mode (labkit.offline / LABKIT_OFFLINE /"
                    + " ai.djl.offline) is on"));
        }
        Files.createDirectories(cacheDir);
        Path target = cacheDir.resolve(file.fileName());
        Path part = cacheDir.resolve(file.fileName() + ".part");
        IOException last = null;
        for (int attempt = 0; attempt <= retries; attempt++) {
            try {
                download(file, part);
                last = null;
                break;
            } catch (UnknownHostException | ConnectException | HttpConnectTimeoutException e) {
                throw new IOException(missingMessage(file, "the network is unreachable (" + e + ")"), e);
            } catch (IOException e) {
                last = e;
                if (progress != null) {
                    progress.println();
                    progress.println("download of " + file.fileName() + " interrupted (" + e.getMessage() + "); "
                            + (attempt < retries ? "resuming" : "giving up; run again to resume"));
                }
            }
        }
        if (last != null) {
            throw new IOException("downloading " + file.url() + " failed: " + last.getMessage() + ". The partial"
                    + " file " + part + " is kept; calling again resumes it.", last);
        }
        verify(file, part, true);
        Files.move(part, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return target;
    }

    /** The first cached copy (labkit's cache, then the search dirs; file name then aliases), or null. */
    public Path findCached(RemoteFile file) {
        List<Path> dirs = new ArrayList<>();
        dirs.add(cacheDir);
        dirs.addAll(searchDirs);
        List<String> names = new ArrayList<>();
        names.add(file.fileName());
        names.addAll(file.aliases());
        for (Path d : dirs) {
            for (String n : names) {
                Path p = d.resolve(n);
                if (Files.isRegularFile(p)) {
                    return p;
                }
            }
        }
        return null;
    }

    private String missingMessage(RemoteFile file, String why) {
        return file.fileName() + " is not cached and " + why + ". Download " + file.url() + " on a machine with"
                + " internet and put it (name unchanged) into " + cacheDir
                + (searchDirs.isEmpty() ? "" : " or " + searchDirs.get(0)) + ".";
    }

    private void download(RemoteFile file, Path part) throws IOException {
        long have = Files.isRegularFile(part) ? Files.size(part) : 0;
        HttpClient client = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NORMAL)
                .connectTimeout(timeout).version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest.Builder req = HttpRequest.newBuilder(URI.create(file.url())).timeout(timeout).GET();
        if (have > 0) {
            req.header("Range", "bytes=" + have + "-");
        }
        HttpResponse<InputStream> resp;
        try {
            resp = client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        int status = resp.statusCode();
        boolean append;
        long total;
        if (status == 206) {
            append = true;
            total = totalFromContentRange(resp).orElse(-1L);
        } else if (status == 200) {
            append = false; // the server ignored the range: start again
            have = 0;
            total = resp.headers().firstValueAsLong("Content-Length").orElse(-1L);
        } else if (status == 416 && have > 0) {
            resp.body().close();
            return; // the part file is already complete; the hash check decides
        } else {
            resp.body().close();
            throw new IOException("HTTP " + status + " for " + file.url());
        }
        try (InputStream in = resp.body();
                OutputStream out = Files.newOutputStream(part, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                        append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING)) {
            ProgressBar bar = new ProgressBar(progress, file.fileName(), total, have);
            byte[] buf = new byte[1 << 16];
            long done = have;
            int n;
            while ((n = in.read(buf)) > 0) {
                out.write(buf, 0, n);
                done += n;
                bar.update(done);
            }
            if (total >= 0 && done < total) {
                throw new IOException("connection closed after " + done + " of " + total + " bytes");
            }
            bar.finish(done);
        }
    }

    private static java.util.Optional<Long> totalFromContentRange(HttpResponse<?> resp) {
        return resp.headers().firstValue("Content-Range").flatMap(v -> {
            int slash = v.lastIndexOf('/');
            if (slash < 0 || v.endsWith("*")) {
                return java.util.Optional.empty();
            }
            return java.util.Optional.of(Long.parseLong(v.substring(slash + 1).trim()));
        });
    }

    /** Checks a file against its expected hashes; a fresh download that fails is deleted. */
    static void verify(RemoteFile file, Path path, boolean fresh) throws IOException {
        if (!file.verifiable()) {
            return;
        }
        String hex = file.sha256Prefix() != null || file.sha256() != null ? digest(path, "SHA-256") : "";
        String why = file.mismatch(hex, file.md5() != null ? digest(path, "MD5") : null);
        if (why != null) {
            if (fresh) {
                Files.deleteIfExists(path);
                throw new HashMismatchException(path, "downloaded " + file.url() + " but " + why
                        + "; the corrupt download was deleted. Try again; if it persists the URL serves other bytes.");
            }
            throw new HashMismatchException(path, path + " is corrupt or a different file: " + why
                    + ". Delete it and run again to download " + file.url() + ".");
        }
    }

    /** The SHA-256 of a file as lowercase hex. */
    public static String sha256(Path path) throws IOException {
        return digest(path, "SHA-256");
    }

    private static String digest(Path path, String algorithm) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        try (InputStream in = Files.newInputStream(path)) {
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = in.read(buf)) > 0) {
                md.update(buf, 0, n);
            }
        }
        return HexFormat.of().formatHex(md.digest());
    }

    /** A one-line text progress bar ("\r" updates), printed at most every 2% of the file. */
    private static final class ProgressBar {
        private final PrintStream out;
        private final String name;
        private final long total;
        private int lastPercent = -1;

        ProgressBar(PrintStream out, String name, long total, long start) {
            this.out = out;
            this.name = name;
            this.total = total;
            if (out != null && start > 0) {
                out.println("resuming " + name + " at " + mb(start) + " MB");
            }
        }

        void update(long done) {
            if (out == null || total <= 0) {
                return;
            }
            int pct = (int) (100 * done / total);
            if (pct >= lastPercent + 2 || pct == 100 && lastPercent != 100) {
                lastPercent = pct;
                int filled = pct / 4;
                out.print("\r" + name + " [" + "#".repeat(filled) + ".".repeat(25 - filled) + "] " + pct + "% "
                        + mb(done) + "/" + mb(total) + " MB");
                out.flush();
            }
        }

        void finish(long done) {
            if (out != null) {
                out.println("\r" + name + " downloaded (" + mb(done) + " MB), checking its SHA-256");
            }
        }

        private static String mb(long bytes) {
            return String.format("%.1f", bytes / 1e6);
        }
    }

    /** Options for {@link Downloads}. */
    public static final class Builder {
        private Path cacheDir = defaultCacheDir();
        private final List<Path> searchDirs = new ArrayList<>(List.of(torchHubCheckpoints()));
        private boolean offline = offlineByDefault();
        private PrintStream progress = System.out;
        private int retries = 3;
        private Duration timeout = Duration.ofSeconds(60);

        /** Where downloads go (default {@code ~/.cache/labkit}). */
        public Builder cacheDir(Path dir) { this.cacheDir = dir; return this; }
        /** Replaces the extra read-only cache folders (default: PyTorch's checkpoint folder). */
        public Builder searchDirs(List<Path> dirs) { searchDirs.clear(); searchDirs.addAll(dirs); return this; }
        public Builder offline(boolean offline) { this.offline = offline; return this; }
        /** Where the progress bar goes ({@code null}: silent). */
        public Builder progress(PrintStream out) { this.progress = out; return this; }
        /** How often an interrupted download is resumed before giving up (default 3). */
        public Builder retries(int n) { this.retries = n; return this; }
        public Builder timeout(Duration t) { this.timeout = t; return this; }

        public Downloads build() {
            return new Downloads(this);
        }
    }
}
