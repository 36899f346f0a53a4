package labkit.export;

/**
 * An ONNX file that cannot be used: unreadable or corrupt, not an ONNX model, or exported from a different model
 * than the one it is used with. The message names the file and the fix.
 */
public final class OnnxModelException extends RuntimeException {
    public OnnxModelException(String message) {
        super(message);
    }

    public OnnxModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
