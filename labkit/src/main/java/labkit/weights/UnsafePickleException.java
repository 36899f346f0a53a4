package labkit.weights;

import java.io.IOException;

/**
 * Thrown when a {@code .pth} file's pickle asks for anything beyond tensors and ordered dicts (for example a
 * call to {@code os.system}): labkit refuses it, as {@code torch.load(weights_only=True)} does.
 */
public final class UnsafePickleException extends IOException {
    private final String global;

    UnsafePickleException(String message, String global) {
        super(message);
        this.global = global;
    }

    /** The refused Python global or opcode, e.g. "posix.system". */
    public String refused() {
        return global;
    }
}
