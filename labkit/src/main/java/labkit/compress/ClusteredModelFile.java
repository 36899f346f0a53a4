package labkit.compress;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.InflaterInputStream;
import labkit.nn.BlockTree;

/**
 * labkit's compact file for weight-shared (clustered) models: every tensor with few distinct values (at most
 * 256 — a clustered layer has k) is stored as its table of distinct float32 values plus one packed
 * {@code ceil(log2 k)}-bit index per weight; every other tensor (biases, BatchNorm, unclustered layers) as raw
 * float32. The whole stream is deflate-compressed. Loading puts exactly the same float values back, so the model
 * gives identical outputs.
 *
 * <p>Layout: the ASCII magic {@code LKCLUST1}, then deflated: tensor count; per tensor its PyTorch-style name,
 * rank and dimensions, then kind 0 (raw: n floats) or kind 1 (clustered: k, k floats, bits, packed indices,
 * most significant bit first).
 */
public final class ClusteredModelFile {
    private static final byte[] MAGIC = "LKCLUST1".getBytes(StandardCharsets.US_ASCII);
    /** Largest table stored as indices; a tensor with more distinct values is stored raw. */
    public static final int MAX_TABLE = 256;

    private ClusteredModelFile() {}

    /** Writes all parameters of {@code root} (initialised) to {@code file}; returns the file size in bytes. */
    public static long write(Block root, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Map<String, Parameter> params = BlockTree.parameters(root);
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file))) {
            raw.write(MAGIC);
            try (DataOutputStream out = new DataOutputStream(new DeflaterOutputStream(raw, deflater, 1 << 16))) {
                out.writeInt(params.size());
                for (Map.Entry<String, Parameter> e : params.entrySet()) {
                    NDArray a = e.getValue().getArray();
                    if (a == null) {
                        throw new IllegalStateException("parameter " + e.getKey() + " has no value; initialise the model"
                                + " before writing it");
                    }
                    float[] x = a.toFloatArray();
                    out.writeUTF(e.getKey());
                    long[] dims = a.getShape().getShape();
                    out.writeByte(dims.length);
                    for (long d : dims) {
                        out.writeInt((int) d);
                    }
                    float[] table = distinct(x);
                    if (table.length <= MAX_TABLE && x.length > 2L * table.length) {
                        out.writeByte(1);
                        out.writeInt(table.length);
                        for (float v : table) {
                            out.writeFloat(v);
                        }
                        int bits = bits(table.length);
                        out.writeByte(bits);
                        out.write(pack(x, table, bits));
                    } else {
                        out.writeByte(0);
                        for (float v : x) {
                            out.writeFloat(v);
                        }
                    }
                }
            }
        } finally {
            deflater.end();
        }
        return Files.size(file);
    }

    /**
     * Loads a file written by {@link #write} into {@code root}, which must have the same parameter names and shapes
     * (build the same architecture and initialise it first).
     */
    public static void read(Path file, Block root) throws IOException {
        Map<String, Parameter> params = BlockTree.parameters(root);
        Map<String, float[]> values = new LinkedHashMap<>();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        InputStream raw;
        try {
            raw = new BufferedInputStream(Files.newInputStream(file));
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(file.toString(), null, "no clustered model file here; write one with"
                    + " ClusteredModelFile.write(model, file)");
        }
        try (raw) {
            byte[] magic = raw.readNBytes(MAGIC.length);
            if (!Arrays.equals(magic, MAGIC)) {
                throw new IOException(file + " is not a labkit clustered model file (no LKCLUST1 header)");
            }
            DataInputStream in = new DataInputStream(new InflaterInputStream(raw));
            int n = in.readInt();
            for (int t = 0; t < n; t++) {
                String name = in.readUTF();
                int rank = in.readByte();
                long[] dims = new long[rank];
                long size = 1;
                for (int i = 0; i < rank; i++) {
                    dims[i] = in.readInt();
                    size *= dims[i];
                }
                float[] x = new float[(int) size];
                int kind = in.readByte();
                if (kind == 1) {
                    float[] table = new float[in.readInt()];
                    for (int i = 0; i < table.length; i++) {
                        table[i] = in.readFloat();
                    }
                    int bits = in.readByte();
                    byte[] packed = new byte[(int) ((size * bits + 7) / 8)];
                    in.readFully(packed);
                    unpack(packed, bits, table, x);
                } else if (kind == 0) {
                    for (int i = 0; i < x.length; i++) {
                        x[i] = in.readFloat();
                    }
                } else {
                    throw new IOException(file + ": tensor " + name + " has unknown kind " + kind + " (corrupt file?)");
                }
                values.put(name, x);
                shapes.put(name, new Shape(dims));
            }
        } catch (EOFException e) {
            throw new IOException(file + " ends early (truncated file?)", e);
        }
        if (!values.keySet().equals(params.keySet())) {
            throw new IllegalArgumentException(file + " holds parameters " + values.keySet() + " but the model has "
                    + params.keySet() + "; load it into the architecture it was written from");
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray target = e.getValue().getArray();
            if (target == null || !target.getShape().equals(shapes.get(e.getKey()))) {
                throw new IllegalArgumentException(file + ": " + e.getKey() + " has shape " + shapes.get(e.getKey())
                        + " but the model's is " + (target == null ? "unset (initialise the model first)"
                        : target.getShape()));
            }
            target.set(FloatBuffer.wrap(values.get(e.getKey())));
        }
    }

    /** The sorted distinct values of {@code x} (by bit pattern, so -0.0 and 0.0 stay apart). */
    static float[] distinct(float[] x) {
        int[] bitsOf = new int[x.length];
        for (int i = 0; i < x.length; i++) {
            bitsOf[i] = Float.floatToRawIntBits(x[i]);
        }
        int[] u = Arrays.stream(bitsOf).distinct().toArray();
        float[] out = new float[u.length];
        for (int i = 0; i < u.length; i++) {
            out[i] = Float.intBitsToFloat(u[i]);
        }
        Arrays.sort(out);
        return out;
    }

    /** Bits per index for a table of {@code k} entries: ceil(log2 k), at least 1. */
    static int bits(int k) {
        return Math.max(1, 32 - Integer.numberOfLeadingZeros(k - 1));
    }

    private static byte[] pack(float[] x, float[] table, int bits) {
        Map<Integer, Integer> index = new java.util.HashMap<>();
        for (int i = 0; i < table.length; i++) {
            index.put(Float.floatToRawIntBits(table[i]), i);
        }
        byte[] out = new byte[(int) (((long) x.length * bits + 7) / 8)];
        long pos = 0;
        for (float v : x) {
            int idx = index.get(Float.floatToRawIntBits(v));
            for (int b = bits - 1; b >= 0; b--, pos++) {
                if (((idx >>> b) & 1) != 0) {
                    out[(int) (pos >>> 3)] |= (byte) (0x80 >>> (pos & 7));
                }
            }
        }
        return out;
    }

    private static void unpack(byte[] packed, int bits, float[] table, float[] x) throws IOException {
        long pos = 0;
        for (int i = 0; i < x.length; i++) {
            int idx = 0;
            for (int b = 0; b < bits; b++, pos++) {
                idx = (idx << 1) | ((packed[(int) (pos >>> 3)] >>> (7 - (pos & 7))) & 1);
            }
            if (idx >= table.length) {
                throw new IOException("index " + idx + " outside a table of " + table.length + " (corrupt file?)");
            }
            x[i] = table[idx];
        }
    }
}
