package labkit.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import labkit.nn.BlockTree;

/**
 * A converted PTQ model on disk: each quantized conv/linear weight as int8 values plus its scale(s) and zero
 * point(s), every other parameter as float32 (biases, already on their int32 grid by {@link Ptq#convert()}; torch's
 * packed params also keep the bias in float and quantize it in the kernel), and each activation's qparams — about
 * a quarter of the float32 file, like {@code torch.save(quantized_model.state_dict())}. {@link #load} puts it back
 * into a model of the same architecture prepared with the same {@link QConfig}, which then computes the same
 * outputs (average pools are frozen on their input's grid again, from the loaded activation qparams).
 *
 * <p>Format (big-endian, {@link DataOutputStream}): "LKQ1", qconfig name, parameter count, then per parameter its
 * PyTorch-style key, kind (0 float32 / 1 int8 / 2 packed low-bit), shape, qparams (kinds 1, 2) and values; then
 * activation count and per activation its path and qparams. Weights on a range of at most 16 integers (4 bits or
 * fewer, e.g. {@code -8..7}) are stored packed (kind 2: a bits byte, then {@code q - quantMin} in that many bits
 * each, least significant first), so a 4-bit model file is about half an 8-bit one's weight bytes.
 * {@link #save} writes a temporary file, syncs it to disk and renames it, so an interrupted save leaves the
 * previous file whole.
 */
public final class QuantizedModelFile {
    private static final String MAGIC = "LKQ1";

    private QuantizedModelFile() {}

    /** Writes the converted model of {@code ptq} to {@code file}; returns the file size in bytes. */
    public static long save(Ptq ptq, Path file) {
        if (ptq.weightQParams().isEmpty()) {
            throw new IllegalStateException("convert() the model before saving it as a quantized model");
        }
        Map<String, QParams> weightsByKey = new LinkedHashMap<>();
        ptq.weightQParams().forEach((path, qp) -> weightsByKey.put(path + ".weight", qp));
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        java.io.FileOutputStream raw;
        try {
            raw = new java.io.FileOutputStream(tmp.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write quantized model " + file + ": " + e.getMessage(), e);
        }
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw))) {
            out.writeUTF(MAGIC);
            out.writeUTF(ptq.qconfig().name());
            Map<String, Parameter> params = BlockTree.parameters(ptq.model());
            out.writeInt(params.size());
            for (Map.Entry<String, Parameter> e : params.entrySet()) {
                NDArray a = e.getValue().getArray();
                out.writeUTF(e.getKey());
                QParams qp = weightsByKey.get(e.getKey());
                int bits = qp == null ? 32 : LowBit.bitsOf(qp.quantMin(), qp.quantMax());
                out.writeByte(qp == null ? 0 : bits <= 4 ? 2 : 1);
                long[] shape = a.getShape().getShape();
                out.writeInt(shape.length);
                for (long d : shape) {
                    out.writeLong(d);
                }
                if (qp == null) {
                    for (float f : a.toFloatArray()) {
                        out.writeFloat(f);
                    }
                } else {
                    writeQParams(out, qp);
                    try (NDArray q = Quantizer.quantize(a, qp)) {
                        int[] iv = q.toIntArray();
                        if (bits <= 4) {
                            out.writeByte(bits);
                            out.write(pack(iv, qp.quantMin(), bits));
                        } else {
                            for (int v : iv) {
                                out.writeByte(v); // quint8 0..255 and qint8 -128..127 both fit one byte
                            }
                        }
                    }
                }
            }
            Map<String, QParams> acts = ptq.activationQParams();
            out.writeInt(acts.size());
            for (Map.Entry<String, QParams> e : acts.entrySet()) {
                out.writeUTF(e.getKey());
                writeQParams(out, e.getValue());
            }
            out.flush();
            raw.getFD().sync();
        } catch (IOException e) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException ignored) {
                // the write error below is the one to report
            }
            throw new UncheckedIOException("cannot write quantized model " + file + ": " + e.getMessage()
                    + (file.toFile().exists() ? "; the previous " + file.getFileName() + " is unchanged" : ""), e);
        }
        try {
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move " + tmp + " to " + file + ": " + e.getMessage(), e);
        }
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Loads a saved quantized model into {@code prepared}: {@code Ptq.prepare(sameArchitecture, sameQConfig)} of
     * an initialized float model (no calibration needed). Returns the runnable converted model. The whole file is
     * read and checked (magic, qconfig, every key and shape, qparams, the end of the file) before the first weight
     * is assigned, so a truncated or foreign file leaves the model as it was.
     */
    public static Block load(Ptq prepared, Path file) {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("no quantized model file at " + file);
        }
        Map<String, Parameter> params = BlockTree.parameters(prepared.model());
        Map<String, QParams> weights = new LinkedHashMap<>();
        Map<String, QParams> acts = new LinkedHashMap<>();
        Map<Parameter, float[]> values = new LinkedHashMap<>();
        Map<Parameter, QParams> quantized = new LinkedHashMap<>();
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file)))) {
            String magic = in.readUTF();
            if (!MAGIC.equals(magic)) {
                throw new IllegalArgumentException(file + " is not a labkit quantized model (magic " + magic + ")");
            }
            String qconfig = in.readUTF();
            if (!qconfig.equals(prepared.qconfig().name())) {
                throw new IllegalArgumentException(file + " was saved with qconfig '" + qconfig
                        + "' but the model was prepared with '" + prepared.qconfig().name() + "'");
            }
            int n = in.readInt();
            if (n != params.size()) {
                throw new IllegalArgumentException(file + " holds " + n + " parameters, the model has "
                        + params.size() + " (different architecture?)");
            }
            for (int i = 0; i < n; i++) {
                String key = in.readUTF();
                int kind = in.readByte();
                int rank = in.readInt();
                if (rank < 0 || rank > 8) {
                    throw new IllegalArgumentException(file + ": parameter " + key + " has rank " + rank
                            + " (damaged file?)");
                }
                long[] shape = new long[rank];
                for (int d = 0; d < shape.length; d++) {
                    shape[d] = in.readLong();
                }
                Parameter p = params.get(key);
                if (p == null || !p.getArray().getShape().equals(new Shape(shape))) {
                    throw new IllegalArgumentException(file + ": parameter " + key + new Shape(shape)
                            + " does not match the model (" + (p == null ? "missing" : p.getArray().getShape()) + ")");
                }
                if (values.containsKey(p)) {
                    throw new IllegalArgumentException(file + ": parameter " + key + " appears twice (damaged file?)");
                }
                int size = (int) new Shape(shape).size();
                float[] v = new float[size];
                if (kind == 0) {
                    for (int j = 0; j < size; j++) {
                        v[j] = in.readFloat();
                    }
                } else if (kind == 1 || kind == 2) {
                    QParams qp = readQParams(in, file, key);
                    if (kind == 2) {
                        int bits = in.readByte();
                        if (bits < 1 || bits > 4) {
                            throw new IllegalArgumentException(file + ": parameter " + key + " packed at " + bits
                                    + " bits (expected 1..4; file damaged?)");
                        }
                        byte[] packed = new byte[(int) (((long) size * bits + 7) / 8)];
                        in.readFully(packed);
                        int[] iv = unpack(packed, size, qp.quantMin(), bits);
                        for (int j = 0; j < size; j++) {
                            v[j] = iv[j];
                        }
                    } else {
                        for (int j = 0; j < size; j++) {
                            byte b = in.readByte();
                            v[j] = qp.dtype() == QuantDType.QUINT8 ? (b & 0xFF) : b;
                        }
                    }
                    quantized.put(p, qp);
                    weights.put(key.substring(0, key.length() - ".weight".length()), qp);
                } else {
                    throw new IllegalArgumentException(file + ": parameter " + key + " has unknown kind " + kind
                            + " (damaged file?)");
                }
                values.put(p, v);
            }
            int na = in.readInt();
            for (int i = 0; i < na; i++) {
                String path = in.readUTF();
                acts.put(path, readQParams(in, file, path));
            }
            if (in.read() != -1) {
                throw new IllegalArgumentException(file + " has data after its last activation (damaged file?)");
            }
        } catch (java.io.EOFException e) {
            throw new UncheckedIOException("cannot read quantized model " + file + ": the file ends early (truncated"
                    + " copy or an interrupted save?); no weight of the model was changed", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read quantized model " + file + ": " + e.getMessage()
                    + "; no weight of the model was changed", e);
        }
        prepared.checkRestorable(acts);
        for (Map.Entry<Parameter, float[]> e : values.entrySet()) {
            NDArray target = e.getKey().getArray();
            QParams qp = quantized.get(e.getKey());
            if (qp == null) {
                target.set(e.getValue());
            } else {
                try (NDArray qa = target.getManager().create(e.getValue(), target.getShape());
                     NDArray dq = Quantizer.dequantize(qa, qp)) {
                    target.set(dq.toFloatArray());
                }
            }
        }
        prepared.restore(weights, acts);
        return prepared.model();
    }

    /**
     * Packs integers {@code v} in {@code quantMin .. quantMin + 2^bits - 1} as {@code v - quantMin}, {@code bits}
     * bits each, least significant bit first (two 4-bit values per byte, the first in the low nibble).
     */
    static byte[] pack(int[] v, int quantMin, int bits) {
        byte[] out = new byte[(int) (((long) v.length * bits + 7) / 8)];
        long bit = 0;
        for (int x : v) {
            int u = x - quantMin;
            if (u < 0 || u >= (1 << bits)) {
                throw new IllegalArgumentException("value " + x + " does not fit " + bits + " bits above " + quantMin);
            }
            for (int k = 0; k < bits; k++, bit++) {
                if ((u >> k & 1) != 0) {
                    out[(int) (bit >> 3)] |= (byte) (1 << (bit & 7));
                }
            }
        }
        return out;
    }

    /** Inverse of {@link #pack}. */
    static int[] unpack(byte[] packed, int n, int quantMin, int bits) {
        int[] out = new int[n];
        long bit = 0;
        for (int i = 0; i < n; i++) {
            int u = 0;
            for (int k = 0; k < bits; k++, bit++) {
                if ((packed[(int) (bit >> 3)] >> (bit & 7) & 1) != 0) {
                    u |= 1 << k;
                }
            }
            out[i] = u + quantMin;
        }
        return out;
    }

    private static void writeQParams(DataOutputStream out, QParams qp) throws IOException {
        out.writeByte(qp.qscheme().ordinal());
        out.writeByte(qp.dtype().ordinal());
        out.writeInt(qp.axis());
        out.writeInt(qp.quantMin());
        out.writeInt(qp.quantMax());
        float[] s = qp.scale();
        int[] z = qp.zeroPoint();
        out.writeInt(s.length);
        for (int i = 0; i < s.length; i++) {
            out.writeFloat(s[i]);
            out.writeInt(z[i]);
        }
    }

    private static QParams readQParams(DataInputStream in, Path file, String owner) throws IOException {
        int schemeIndex = in.readByte();
        int dtypeIndex = in.readByte();
        if (schemeIndex < 0 || schemeIndex >= QScheme.values().length || dtypeIndex < 0
                || dtypeIndex >= QuantDType.values().length) {
            throw new IllegalArgumentException(file + ": qparams of " + owner + " name qscheme #" + schemeIndex
                    + " and dtype #" + dtypeIndex + ", which do not exist (damaged file?)");
        }
        QScheme scheme = QScheme.values()[schemeIndex];
        QuantDType dtype = QuantDType.values()[dtypeIndex];
        int axis = in.readInt();
        int qmin = in.readInt();
        int qmax = in.readInt();
        int n = in.readInt();
        if (n < 1 || n > (1 << 20)) {
            throw new IllegalArgumentException(file + ": qparams of " + owner + " have " + n + " scales (damaged file?)");
        }
        float[] s = new float[n];
        int[] z = new int[n];
        for (int i = 0; i < n; i++) {
            s[i] = in.readFloat();
            z[i] = in.readInt();
        }
        try {
            return new QParams(s, z, axis, scheme, dtype, qmin, qmax);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": qparams of " + owner + ": " + e.getMessage()
                    + " (damaged file?)", e);
        }
    }
}
