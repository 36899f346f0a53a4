package labkit.io;

import java.io.IOException;
import java.nio.file.Path;

/** A downloaded or cached file whose SHA-256 is not the one its name (or the pinned hash) promises. */
public final class HashMismatchException extends IOException {
    private final Path file;

    HashMismatchException(Path file, String message) {
        super(message);
        this.file = file;
    }

    /** The file that failed the check (already deleted when it was a fresh download). */
    public Path file() {
        return file;
    }
}
