package labkit.image;

import java.io.IOException;
import java.io.InputStream;
import java.net.URL;
import java.net.URLConnection;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;

/**
 * Loads OpenCV's native library (from {@code org.openpnp:opencv}) once per JVM. Every labkit class that touches
 * {@code org.opencv} calls {@link #load()} first; calling it again is cheap and harmless.
 *
 * <p>The library is copied once out of the jar into a fixed per-version folder, {@code ~/.cache/labkit/opencv/}
 * (or under {@code $LABKIT_CACHE}), and loaded from there by every later JVM. openpnp's own
 * {@code nu.pattern.OpenCV.loadLocally()} extracts it into a new {@code /tmp/opencv_openpnp*} folder per JVM that
 * only a clean exit removes, so each killed kernel left one behind; it is used only when the cache folder cannot be
 * written.
 */
public final class OpenCv {
    private static volatile boolean loaded;
    private static volatile Path library;

    private OpenCv() {}

    /** Loads the native library if this JVM has not yet done so; thread-safe and idempotent. */
    public static void load() {
        if (loaded) {
            return;
        }
        synchronized (OpenCv.class) {
            if (!loaded) {
                try {
                    Path lib;
                    try {
                        lib = extract(cacheRoot());
                    } catch (IOException | UnsupportedOperationException e) {
                        lib = null;
                    }
                    if (lib != null) {
                        System.load(lib.toString());
                        library = lib;
                    } else {
                        nu.pattern.OpenCV.loadLocally();
                    }
                } catch (RuntimeException | LinkageError e) {
                    throw new IllegalStateException("could not load OpenCV's native library from org.openpnp:opencv "
                            + "(is the jar on the class path and the platform linux/macos/windows x86_64 or arm64?)", e);
                }
                loaded = true;
            }
        }
    }

    /** The file the library was loaded from (in the cache folder), or null before {@link #load()} or in fallback. */
    public static Path nativeLibrary() {
        return library;
    }

    /** OpenCV's version string, e.g. {@code 4.9.0}; loads the library first. */
    public static String version() {
        load();
        return org.opencv.core.Core.VERSION;
    }

    /** {@code $LABKIT_CACHE} or {@code ~/.cache/labkit}, as labkit's downloads. */
    static Path cacheRoot() {
        String env = System.getenv("LABKIT_CACHE");
        return env != null && !env.isBlank() ? Path.of(env) : Path.of(System.getProperty("user.home"), ".cache", "labkit");
    }

    /**
     * The native library for this platform under {@code root/opencv/<version>-<os>-<arch>/}, copied out of the jar
     * when missing or of the wrong size (into a temporary file renamed into place, so JVMs starting together never
     * see half a file). Returns the existing copy otherwise.
     */
    static Path extract(Path root) throws IOException {
        String os = osName();
        String arch = archName();
        String file = System.mapLibraryName(org.opencv.core.Core.NATIVE_LIBRARY_NAME);
        String resource = "/nu/pattern/opencv/" + os + "/" + arch + "/" + file;
        URL url = OpenCv.class.getResource(resource);
        if (url == null) {
            throw new UnsupportedOperationException("org.openpnp:opencv has no " + resource);
        }
        URLConnection conn = url.openConnection();
        conn.setUseCaches(false);
        long size = conn.getContentLengthLong();
        Path dir = root.resolve("opencv").resolve(org.opencv.core.Core.NATIVE_LIBRARY_NAME + "-" + os + "-" + arch);
        Path target = dir.resolve(file);
        if (Files.isRegularFile(target) && size > 0 && Files.size(target) == size) {
            return target;
        }
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, file, ".tmp");
        try (InputStream in = conn.getInputStream()) {
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
        return target;
    }

    private static String osName() {
        String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
        if (os.contains("linux")) {
            return "linux";
        }
        if (os.contains("mac") || os.contains("darwin")) {
            return "osx";
        }
        if (os.contains("win")) {
            return "windows";
        }
        throw new UnsupportedOperationException("no OpenCV native library for " + os);
    }

    private static String archName() {
        String a = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        switch (a) {
            case "amd64":
            case "x86_64":
                return "x86_64";
            case "aarch64":
            case "arm64":
                return "ARMv8";
            case "arm":
                return "ARMv7";
            case "x86":
            case "i386":
                return "x86_32";
            default:
                throw new UnsupportedOperationException("no OpenCV native library for " + a);
        }
    }
}
