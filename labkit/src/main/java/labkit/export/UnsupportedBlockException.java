package labkit.export;

/**
 * Thrown when the ONNX exporter meets a block class it has no {@link BlockExporter} for; names the block's path
 * in the model and its class so the fix (register an exporter, or replace the block) is clear.
 */
public final class UnsupportedBlockException extends IllegalArgumentException {
    private final String path;
    private final Class<?> blockClass;

    public UnsupportedBlockException(String path, Class<?> blockClass) {
        super("cannot export block '" + (path.isEmpty() ? "<root>" : path) + "' of class " + blockClass.getName()
                + ": the ONNX exporter knows no such block; register one with OnnxExporter.Builder.register("
                + blockClass.getSimpleName() + ".class, ...) or build the model from labkit.nn blocks");
        this.path = path;
        this.blockClass = blockClass;
    }

    /** Dotted path of the block in the model ("" for the root). */
    public String path() {
        return path;
    }

    /** The class the exporter did not know. */
    public Class<?> blockClass() {
        return blockClass;
    }
}
