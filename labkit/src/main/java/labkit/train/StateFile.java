package labkit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A file of named arrays (a state dict): model weights under PyTorch-style names, or optimizer buffers. Each
 * array is stored with DJL's own encoding, so values come back bit for bit. Writes go to a temporary file that is
 * synced to disk and then moved into place, so a session killed mid-write (or a full disk) never leaves a
 * half-written file under the real name.
 */
public final class StateFile {
    private static final String MAGIC = "labkit-state";
    private static final int VERSION = 1;

    private StateFile() {}

    /** Writes {@code arrays} in map order to {@code file} (temporary file, synced, renamed). */
    public static void write(Path file, Map<String, NDArray> arrays) throws IOException {
        AtomicFile.write(file, stream -> {
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(stream));
            out.writeUTF(MAGIC);
            out.writeInt(VERSION);
            out.writeInt(arrays.size());
            for (Map.Entry<String, NDArray> e : arrays.entrySet()) {
                byte[] bytes = e.getValue().encode();
                out.writeUTF(e.getKey());
                out.writeInt(bytes.length);
                out.write(bytes);
            }
            out.flush();
        });
    }

    /**
     * Checks, without decoding any array, that {@code file} is a complete state file: its header, every entry's
     * name and length, and nothing after the last entry. Throws an {@link IOException} saying what is wrong.
     */
    public static void verify(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file.getFileName() + " is missing");
        }
        long size = Files.size(file);
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            String magic;
            try {
                magic = in.readUTF();
            } catch (IOException e) {
                magic = null;
            }
            if (!MAGIC.equals(magic)) {
                throw new IOException(file.getFileName() + " is not a labkit state file (" + size + " bytes)");
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException(file.getFileName() + " has version " + version);
            }
            int n = in.readInt();
            for (int i = 0; i < n; i++) {
                in.readUTF();
                int len = in.readInt();
                if (len < 0 || in.skipBytes(len) != len) {
                    throw new java.io.EOFException();
                }
            }
            if (in.read() != -1) {
                throw new IOException(file.getFileName() + " has bytes after its last array");
            }
        } catch (java.io.EOFException e) {
            throw new IOException(file.getFileName() + " is truncated (" + size + " bytes)", e);
        }
    }

    /** Reads a file written by {@link #write}; arrays are attached to {@code manager}. */
    public static Map<String, NDArray> read(Path file, NDManager manager) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("state file not found: " + file.toAbsolutePath());
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            String magic;
            try {
                magic = in.readUTF();
            } catch (IOException e) {
                magic = null;
            }
            if (!MAGIC.equals(magic)) {
                throw new IOException("not a labkit state file: " + file.toAbsolutePath());
            }
            int version = in.readInt();
            if (version != VERSION) {
                throw new IOException("state file " + file + " has version " + version + "; this labkit reads " + VERSION);
            }
            int n = in.readInt();
            Map<String, NDArray> out = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) {
                String name = in.readUTF();
                byte[] bytes = new byte[in.readInt()];
                in.readFully(bytes);
                out.put(name, NDArray.decode(manager, bytes));
            }
            return out;
        }
    }
}
