package labkit.image;

/**
 * Loads OpenCV's native library (from {@code org.openpnp:opencv}) once per JVM. Every labkit class that touches
 * {@code org.opencv} calls {@link #load()} first; calling it again is cheap and harmless.
 *
 * <p>Uses {@code nu.pattern.OpenCV.loadLocally()}: on Java 12+ {@code loadShared()} is not supported (it logs
 * a SEVERE line and falls back to {@code loadLocally()} anyway). The first call extracts the library to a
 * temporary folder.
 */
public final class OpenCv {
    private static volatile boolean loaded;

    private OpenCv() {}

    /** Loads the native library if this JVM has not yet done so; thread-safe and idempotent. */
    public static void load() {
        if (loaded) {
            return;
        }
        synchronized (OpenCv.class) {
            if (!loaded) {
                try {
                    nu.pattern.OpenCV.loadLocally();
                } catch (RuntimeException | LinkageError e) {
                    throw new IllegalStateException("could not load OpenCV's native library from org.openpnp:opencv "
                            + "(is the jar on the class path and the platform linux/macos/windows x86_64 or arm64?)", e);
                }
                loaded = true;
            }
        }
    }

    /** OpenCV's version string, e.g. {@code 4.9.0}; loads the library first. */
    public static String version() {
        load();
        return org.opencv.core.Core.VERSION;
    }
}
