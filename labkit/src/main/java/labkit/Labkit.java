package labkit;

import ai.djl.engine.Engine;

/**
 * One-call set-up for notebooks and programs: offline DJL, deliberate PyTorch thread settings and quiet logs,
 * then a one-line summary. Call {@link #init()} before the first NDArray is made.
 */
public final class Labkit {
    private Labkit() {}

    /** labkit's version, from the jar manifest when packaged. */
    public static String version() {
        String v = Labkit.class.getPackage().getImplementationVersion();
        return v != null ? v : "dev";
    }

    /** True when {@code LABKIT_QUICK} (environment) or {@code labkit.quick} (system property) is 1/true. */
    public static boolean quick() {
        String v = System.getProperty("labkit.quick", System.getenv("LABKIT_QUICK"));
        return v != null && (v.equals("1") || v.equalsIgnoreCase("true") || v.equalsIgnoreCase("yes"));
    }

    /**
     * Sets DJL offline, one inter-op thread (faster training on small machines than DJL's default), as many
     * intra-op threads as the JVM may use (it honours a container's CPU limit, which PyTorch's default of all host
     * cores does not: on an oversubscribed Binder node idle OpenMP threads spin) and warn-level logging — each unless the user already chose otherwise — then returns a
     * summary line.
     */
    public static String init() {
        if (System.getProperty("ai.djl.offline") == null) {
            // remembered so labkit.io.Downloads can tell this default from a user's explicit choice
            System.setProperty("labkit.djlOfflineDefaulted", "true");
        }
        setDefault("ai.djl.offline", "true");
        setDefault("ai.djl.pytorch.num_interop_threads", "1");
        setDefault("ai.djl.pytorch.num_threads", String.valueOf(Math.max(1, Runtime.getRuntime().availableProcessors())));
        setDefault("org.slf4j.simpleLogger.defaultLogLevel", "warn");
        setDefault("org.slf4j.simpleLogger.log.ai.djl", "warn");
        // the CUDA probe warns on every CPU-only machine; it is not news to a student
        setDefault("org.slf4j.simpleLogger.log.ai.djl.util.cuda", "error");
        Engine engine = Engine.getInstance();
        return String.format("labkit %s | DJL %s, engine %s %s | threads %s intra-op, %s inter-op | quick mode %s",
                version(), Engine.getDjlVersion(), engine.getEngineName(), engine.getVersion(),
                System.getProperty("ai.djl.pytorch.num_threads"),
                System.getProperty("ai.djl.pytorch.num_interop_threads"), quick() ? "on" : "off");
    }

    private static void setDefault(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
