package labkit.train;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.function.UnaryOperator;

/**
 * Writes a file so that it is either complete or not there: the bytes go to {@code name.tmp} beside it, are
 * synced to disk, and the temporary file is renamed over the real name (then the folder is synced). A failed
 * write (a full disk, a killed JVM) leaves the previous file untouched, and its error names the file and the fix.
 */
final class AtomicFile {
    /** What the file's bytes are written by. */
    interface Body {
        void write(OutputStream out) throws IOException;
    }

    /** Wraps every stream before it is written to; tests put a failing stream here to play a full disk. */
    static volatile UnaryOperator<OutputStream> streams = UnaryOperator.identity();

    private AtomicFile() {}

    /** Writes {@code file} atomically; an {@link IOException} says which file failed and what to do. */
    static void write(Path file, Body body) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                OutputStream out = streams.apply(Channels.newOutputStream(ch));
                // a body (e.g. Tablesaw's CSV writer) may close what it is given: keep the channel open to sync it
                body.write(new FilterOutputStream(out) {
                    @Override
                    public void write(byte[] b, int off, int len) throws IOException {
                        out.write(b, off, len);
                    }

                    @Override
                    public void close() throws IOException {
                        flush();
                    }
                });
                out.flush();
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the write error is the one to report
            }
            throw failure(file, e);
        }
        syncFolder(parent);
    }

    /** Syncs a folder's entries (a rename in it) to disk where the platform allows; best effort. */
    static void syncFolder(Path folder) {
        if (folder == null) {
            return;
        }
        try (FileChannel ch = FileChannel.open(folder, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException | UnsupportedOperationException ignored) {
            // not every platform opens folders (Windows); the rename itself is still atomic
        }
    }

    /** An IOException naming {@code file}, with the underlying reason and, for a full disk, what to do. */
    static IOException failure(Path file, Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root
                && (root.getMessage() == null || !(root instanceof IOException))) {
            root = root.getCause();
        }
        String reason = root instanceof FileSystemException fse && fse.getReason() != null ? fse.getReason()
                : root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
        String msg = "cannot write " + file.toAbsolutePath() + ": " + reason;
        if (isDiskFull(e)) {
            msg += "; the disk is full: free some space (delete old runs or checkpoints), or keep fewer checkpoints"
                    + " with Fit.builder(...).keepCheckpoints(1); the previous " + file.getFileName()
                    + " (if any) is unchanged";
        }
        IOException out = new IOException(msg, e);
        return out;
    }

    /** Whether a chain of exceptions says "No space left on device" (ENOSPC) or "Disk quota exceeded". */
    static boolean isDiskFull(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null && (m.contains("No space left on device") || m.contains("Disk quota exceeded")
                    || m.contains("There is not enough space on the disk"))) {
                return true;
            }
        }
        return false;
    }
}
