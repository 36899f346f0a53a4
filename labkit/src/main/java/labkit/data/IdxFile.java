package labkit.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * One file in the IDX format of MNIST and Fashion-MNIST ({@code train-images-idx3-ubyte[.gz]}): a big-endian
 * magic number {@code 0x0000 0800+rank} (unsigned bytes only), {@code rank} 32-bit dimension sizes, then the
 * bytes in row-major order. Gzip-compressed files ({@code .gz}) are read as they are.
 *
 * @param file the file it was read from
 * @param dims the dimension sizes, e.g. {@code [60000, 28, 28]} for images, {@code [60000]} for labels
 * @param data every value as an unsigned byte
 */
public record IdxFile(Path file, int[] dims, byte[] data) {
    /** The IDX type code of unsigned bytes, the only type the (Fashion-)MNIST files use. */
    public static final int UBYTE = 0x08;

    /** The number of items (the first dimension). */
    public int count() {
        return dims[0];
    }

    /** Values per item (the product of the other dimensions; 1 for labels). */
    public int itemSize() {
        int n = 1;
        for (int i = 1; i < dims.length; i++) {
            n *= dims[i];
        }
        return n;
    }

    /** Reads and checks {@code file} (plain or gzip): magic, type, rank and that the size matches the dimensions. */
    public static IdxFile read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("IDX file not found: " + file.toAbsolutePath());
        }
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file));
                DataInputStream in = new DataInputStream(file.toString().endsWith(".gz")
                        ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16)) : raw)) {
            int magic = in.readInt();
            int type = (magic >>> 8) & 0xff;
            int rank = magic & 0xff;
            if ((magic >>> 16) != 0 || type != UBYTE || rank < 1 || rank > 4) {
                throw new IOException("not an unsigned-byte IDX file: " + file + " starts with 0x"
                        + String.format("%08x", magic) + " (expected 0x00000801 for labels or 0x00000803 for images;"
                        + " is it a different format or a truncated download?)");
            }
            int[] dims = new int[rank];
            long total = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = in.readInt();
                if (dims[i] < 0) {
                    throw new IOException("IDX file " + file + " has a negative size " + dims[i] + " in dimension " + i);
                }
                total *= dims[i];
            }
            if (total > Integer.MAX_VALUE - 16) {
                throw new IOException("IDX file " + file + " is too large to read into memory: dimensions "
                        + Arrays.toString(dims));
            }
            byte[] data = new byte[(int) total];
            try {
                in.readFully(data);
            } catch (EOFException e) {
                throw new IOException("IDX file " + file + " is truncated: its header says " + Arrays.toString(dims)
                        + " (" + total + " bytes of data) but the file ends early", e);
            }
            if (in.read() != -1) {
                throw new IOException("IDX file " + file + " has bytes after the " + total + " its header "
                        + Arrays.toString(dims) + " announces");
            }
            return new IdxFile(file, dims, data);
        } catch (java.util.zip.ZipException e) {
            throw new IOException("IDX file " + file + " ends in .gz but is not valid gzip: " + e.getMessage(), e);
        }
    }
}
