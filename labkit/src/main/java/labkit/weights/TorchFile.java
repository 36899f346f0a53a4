package labkit.weights;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;
import net.razorvine.pickle.PickleException;

/**
 * Reads and writes the files {@code torch.save(model.state_dict())} makes, in Java. Reading accepts the zip
 * format (PyTorch ≥ 1.6: any archive prefix, the {@code byteorder} entry honoured) and the legacy pickle format
 * ({@code _use_new_zipfile_serialization=False}, how many published weights were written), through
 * {@code net.razorvine:pickle} behind an allow-list of globals (see {@link UnsafePickleException}). Writing makes
 * a zip-format file that {@code torch.load} reads.
 */
public final class TorchFile {
    private static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    private static final int LEGACY_PROTOCOL = 1001;

    private TorchFile() {}

    /** Reads a state dict; errors name the file and say what was wrong with it. */
    public static StateDict read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no such weights file; check the path"
                    + " (or download it with labkit.weights.PretrainedWeights)");
        }
        byte[] head = new byte[4];
        try (InputStream in = Files.newInputStream(file)) {
            int n = in.readNBytes(head, 0, 4);
            if (n < 2) {
                throw new IOException(file + ": empty or truncated file (" + n + " bytes), not a torch.save file");
            }
        }
        try {
            if (head[0] == 'P' && head[1] == 'K') {
                return readZip(file);
            }
            if ((head[0] & 0xff) == 0x80) {
                return readLegacy(file);
            }
        } catch (PickleException | ClassCastException | ArrayIndexOutOfBoundsException e) {
            throw new IOException(file + ": not a readable torch.save state dict: " + e.getMessage(), e);
        }
        throw new IOException(file + ": not a torch.save file (neither a zip archive nor a pickle; starts with "
                + String.format("%02x %02x", head[0], head[1]) + "). Very old tar-format files (PyTorch < 0.4) are"
                + " not supported: re-save with torch.save(torch.load(f), f2) in Python.");
    }

    // ---------------------------------------------------------------- zip format

    private static StateDict readZip(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            String prefix = null;
            for (ZipEntry e : java.util.Collections.list(zip.entries())) {
                String n = e.getName();
                if (n.endsWith("/data.pkl") && n.indexOf('/') == n.length() - "/data.pkl".length()) {
                    prefix = n.substring(0, n.length() - "data.pkl".length());
                    break;
                }
            }
            if (prefix == null) {
                throw new IOException(file + ": a zip file without <archive>/data.pkl, so not written by torch.save");
            }
            boolean bigEndian = false;
            ZipEntry bo = zip.getEntry(prefix + "byteorder");
            if (bo != null) {
                String order = new String(readAll(zip, bo), StandardCharsets.US_ASCII).trim();
                if (!order.equals("little") && !order.equals("big")) {
                    throw new IOException(file + ": unknown byteorder '" + order + "' (expected little or big)");
                }
                bigEndian = order.equals("big");
            }
            final String pre = prefix;
            final boolean swap = bigEndian;
            Map<String, Storage> storages = new HashMap<>();
            TorchUnpickler u = new TorchUnpickler(file.toString(), pid -> storages.computeIfAbsent(
                    String.valueOf(pid[2]), key -> {
                        DType dt = storageType(file, pid[1]);
                        ZipEntry e = zip.getEntry(pre + "data/" + key);
                        if (e == null) {
                            throw new PickleException("storage " + key + " is missing (no entry " + pre + "data/"
                                    + key + "); the file is truncated or corrupt");
                        }
                        try {
                            byte[] bytes = readAll(zip, e);
                            if (swap) {
                                TensorData.swap(bytes, dt.size());
                            }
                            return new Storage(dt, key, bytes);
                        } catch (IOException ex) {
                            throw new PickleException("cannot read " + e.getName() + ": " + ex.getMessage());
                        }
                    }));
            Object root;
            try (InputStream in = new BufferedInputStream(zip.getInputStream(zip.getEntry(prefix + "data.pkl")))) {
                root = u.load(in);
            }
            return toStateDict(file, root);
        } catch (ZipException e) {
            throw new IOException(file + ": corrupt zip archive (" + e.getMessage() + "); download it again", e);
        }
    }

    private static byte[] readAll(ZipFile zip, ZipEntry e) throws IOException {
        try (InputStream in = zip.getInputStream(e)) {
            return in.readAllBytes();
        }
    }

    private static DType storageType(Path file, Object o) {
        if (o instanceof TorchUnpickler.StorageType) {
            return ((TorchUnpickler.StorageType) o).dtype();
        }
        throw new PickleException(file + ": storage type " + o + " is not a torch.*Storage class");
    }

    // ---------------------------------------------------------------- legacy format

    private static StateDict readLegacy(Path file) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            TorchUnpickler plain = new TorchUnpickler(file.toString(), pid -> {
                throw new PickleException("unexpected storage in a header pickle");
            });
            Object magic = plain.load(raw);
            if (!(magic instanceof Number) || !LEGACY_MAGIC.equals(new BigInteger(magic.toString()))) {
                throw new IOException(file + ": a pickle, but not a torch.save file (no torch magic number)");
            }
            Object protocol = plain.load(raw);
            if (!(protocol instanceof Number) || ((Number) protocol).intValue() != LEGACY_PROTOCOL) {
                throw new IOException(file + ": unsupported torch legacy protocol " + protocol);
            }
            Object sysInfo = plain.load(raw);
            boolean little = !(sysInfo instanceof Map) || !Boolean.FALSE.equals(((Map<?, ?>) sysInfo).get("little_endian"));
            Map<String, Storage> storages = new HashMap<>();
            TorchUnpickler u = new TorchUnpickler(file.toString(), pid -> {
                DType dt = storageType(file, pid[1]);
                String key = String.valueOf(pid[2]);
                long size = TorchUnpickler.toLong(pid[4]);
                Storage rootStorage = storages.computeIfAbsent(key, k -> Storage.pending(dt, k, size));
                if (pid.length > 5 && pid[5] instanceof Object[]) {
                    Object[] view = (Object[]) pid[5]; // (view_key, offset, view_size)
                    return storages.computeIfAbsent(String.valueOf(view[0]), k -> Storage.view(rootStorage, k,
                            TorchUnpickler.toLong(view[1]), TorchUnpickler.toLong(view[2])));
                }
                return rootStorage;
            });
            Object root = u.load(raw);
            Object keys = plain.load(raw);
            if (!(keys instanceof List)) {
                throw new IOException(file + ": malformed legacy file (storage key list missing)");
            }
            DataInputStream in = new DataInputStream(raw);
            for (Object k : (List<?>) keys) {
                Storage s = storages.get(String.valueOf(k));
                if (s == null) {
                    throw new IOException(file + ": storage " + k + " listed but never used");
                }
                byte[] n8 = new byte[8];
                in.readFully(n8);
                long numel = java.nio.ByteBuffer.wrap(n8).order(little
                        ? java.nio.ByteOrder.LITTLE_ENDIAN : java.nio.ByteOrder.BIG_ENDIAN).getLong();
                if (numel < 0 || numel * s.dtype.size() > Integer.MAX_VALUE - 16) {
                    throw new IOException(file + ": storage " + k + " claims " + numel + " elements; corrupt file");
                }
                byte[] bytes = new byte[(int) (numel * s.dtype.size())];
                in.readFully(bytes);
                if (!little) {
                    TensorData.swap(bytes, s.dtype.size());
                }
                s.fill(bytes);
            }
            return toStateDict(file, root);
        } catch (EOFException e) {
            throw new IOException(file + ": the file ends early (truncated download?); delete it and download again", e);
        }
    }

    // ---------------------------------------------------------------- tensors

    private static StateDict toStateDict(Path file, Object root) throws IOException {
        if (!(root instanceof Map)) {
            throw new IOException(file + ": holds a " + TorchUnpickler.typeName(root) + ", not a state dict"
                    + " (save weights with torch.save(model.state_dict(), path))");
        }
        StateDict sd = new StateDict();
        for (Map.Entry<?, ?> e : ((Map<?, ?>) root).entrySet()) {
            String key = String.valueOf(e.getKey());
            Object v = e.getValue();
            if (!(v instanceof TorchUnpickler.TensorRef)) {
                String hint = v instanceof Map ? " (a nested dict: is this a training checkpoint? save"
                        + " checkpoint['" + key + "'] on its own with torch.save)" : "";
                throw new IOException(file + ": key '" + key + "' holds a " + TorchUnpickler.typeName(v)
                        + ", not a tensor" + hint);
            }
            sd.put(key, materialize(file, key, (TorchUnpickler.TensorRef) v));
        }
        return sd;
    }

    /** Copies a (possibly strided, offset, expanded or transposed) view of a storage into a dense tensor. */
    static TensorData materialize(Path file, String key, TorchUnpickler.TensorRef ref) throws IOException {
        Storage s = ref.storage();
        if (!s.filled()) {
            throw new IOException(file + ": storage of '" + key + "' has no data; the file is truncated");
        }
        long[] size = ref.size();
        long[] stride = ref.stride();
        if (size.length != stride.length) {
            throw new IOException(file + ": '" + key + "' has size " + Arrays.toString(size) + " but stride "
                    + Arrays.toString(stride));
        }
        int es = s.dtype.size();
        long numel = TensorData.numel(size);
        byte[] out = new byte[Math.toIntExact(numel * es)];
        if (numel == 0) {
            return new TensorData(s.dtype, size, out);
        }
        long last = ref.offset();
        for (int d = 0; d < size.length; d++) {
            if (size[d] < 0 || stride[d] < 0) {
                throw new IOException(file + ": '" + key + "' has a negative size or stride");
            }
            last += (size[d] - 1) * stride[d];
        }
        if (ref.offset() < 0 || last >= s.numel()) {
            throw new IOException(file + ": '" + key + "' (offset " + ref.offset() + ", size " + Arrays.toString(size)
                    + ", stride " + Arrays.toString(stride) + ") reaches past its storage of " + s.numel()
                    + " elements; the file is corrupt");
        }
        byte[] src = s.bytes();
        long base = s.baseOffset() + ref.offset();
        if (isContiguous(size, stride)) {
            System.arraycopy(src, Math.toIntExact(base * es), out, 0, out.length);
            return new TensorData(s.dtype, size, out);
        }
        int nd = size.length;
        long[] idx = new long[nd];
        long pos = base;
        for (long i = 0; i < numel; i++) {
            System.arraycopy(src, (int) (pos * es), out, (int) (i * es), es);
            for (int d = nd - 1; d >= 0; d--) {
                if (++idx[d] < size[d]) {
                    pos += stride[d];
                    break;
                }
                pos -= (size[d] - 1) * stride[d];
                idx[d] = 0;
            }
        }
        return new TensorData(s.dtype, size, out);
    }

    private static boolean isContiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int d = size.length - 1; d >= 0; d--) {
            if (size[d] != 1 && stride[d] != expected) {
                return false;
            }
            expected *= size[d];
        }
        return true;
    }

    // ---------------------------------------------------------------- writing

    /**
     * Writes {@code sd} as a zip-format {@code torch.save} file (archive prefix "archive", little-endian,
     * one storage per tensor) that {@code torch.load} reads back into an {@code OrderedDict} of tensors.
     */
    public static void write(StateDict sd, Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp); ZipOutputStream zip = new ZipOutputStream(os)) {
            zip.setMethod(ZipOutputStream.STORED);
            stored(zip, "archive/data.pkl", pickle(sd));
            stored(zip, "archive/byteorder", "little".getBytes(StandardCharsets.US_ASCII));
            int i = 0;
            for (TensorData t : sd.asMap().values()) {
                stored(zip, "archive/data/" + i++, t.rawData());
            }
            stored(zip, "archive/version", "3\n".getBytes(StandardCharsets.US_ASCII));
        }
        Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static void stored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        e.setCrc(crc.getValue());
        e.setTime(315532800000L + 86400000L); // fixed (1980-01-02) so the same weights give the same bytes
        zip.putNextEntry(e);
        zip.write(data);
        zip.closeEntry();
    }

    /** The protocol-2 pickle of an OrderedDict of {@code _rebuild_tensor_v2} calls, as torch.save writes it. */
    static byte[] pickle(StateDict sd) {
        PickleWriter w = new PickleWriter();
        w.proto();
        w.global("collections", "OrderedDict").emptyTuple().reduce();
        w.mark();
        int i = 0;
        for (Map.Entry<String, TensorData> e : sd.asMap().entrySet()) {
            TensorData t = e.getValue();
            w.unicode(e.getKey());
            w.global("torch._utils", "_rebuild_tensor_v2");
            w.mark();
            // persistent id: ('storage', torch.FloatStorage, key, 'cpu', numel)
            w.mark().unicode("storage").global("torch", t.dtype().storageClass()).unicode(String.valueOf(i++))
                    .unicode("cpu").integer(t.numel()).tuple().binPersId();
            w.integer(0);
            long[] shape = t.shape();
            w.mark();
            for (long s : shape) {
                w.integer(s);
            }
            w.tuple();
            w.mark();
            long stride = 1;
            long[] strides = new long[shape.length];
            for (int d = shape.length - 1; d >= 0; d--) {
                strides[d] = stride;
                stride *= shape[d];
            }
            for (long s : strides) {
                w.integer(s);
            }
            w.tuple();
            w.bool(false);
            w.global("collections", "OrderedDict").emptyTuple().reduce();
            w.tuple().reduce();
        }
        w.setItems();
        w.stop();
        return w.bytes();
    }

    /** The few pickle opcodes the writer needs (protocol 2). */
    private static final class PickleWriter {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        PickleWriter proto() { out.write(0x80); out.write(2); return this; }
        PickleWriter mark() { out.write('('); return this; }
        PickleWriter tuple() { out.write('t'); return this; }
        PickleWriter emptyTuple() { out.write(')'); return this; }
        PickleWriter reduce() { out.write('R'); return this; }
        PickleWriter setItems() { out.write('u'); return this; }
        PickleWriter binPersId() { out.write('Q'); return this; }
        PickleWriter stop() { out.write('.'); return this; }
        PickleWriter bool(boolean b) { out.write(b ? 0x88 : 0x89); return this; }

        PickleWriter global(String module, String name) {
            out.write('c');
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        PickleWriter unicode(String s) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.write('X');
            writeInt32(b.length);
            out.writeBytes(b);
            return this;
        }

        PickleWriter integer(long v) {
            if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
                out.write('J');
                writeInt32((int) v);
            } else {
                out.write(0x8a); // LONG1: 8 bytes two's complement, little-endian
                out.write(8);
                for (int i = 0; i < 8; i++) {
                    out.write((int) (v >>> (8 * i)) & 0xff);
                }
            }
            return this;
        }

        private void writeInt32(int v) {
            for (int i = 0; i < 4; i++) {
                out.write((v >>> (8 * i)) & 0xff);
            }
        }

        byte[] bytes() {
            return out.toByteArray();
        }
    }

    /** Names of the entries in a zip-format file (for diagnostics). */
    static List<String> entries(Path file) throws IOException {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            List<String> out = new ArrayList<>();
            zip.stream().forEach(e -> out.add(e.getName()));
            return out;
        }
    }
}
