package labkit.weights;

/**
 * A torch storage while a file is read: its dtype and bytes (little-endian), or — for the legacy format's
 * storage views — a root storage and an element offset into it. Tensors are views of storages; several
 * tensors may share one.
 */
final class Storage {
    final DType dtype;
    final String key;
    private byte[] data;
    private final Storage root;
    private final long rootOffset;
    private final long numel;

    Storage(DType dtype, String key, byte[] data) {
        this(dtype, key, data, null, 0, data == null ? -1 : data.length / dtype.size());
    }

    private Storage(DType dtype, String key, byte[] data, Storage root, long rootOffset, long numel) {
        this.dtype = dtype;
        this.key = key;
        this.data = data;
        this.root = root;
        this.rootOffset = rootOffset;
        this.numel = numel;
    }

    /** A legacy view of {@code numel} elements of {@code root} starting at element {@code offset}. */
    static Storage view(Storage root, String key, long offset, long numel) {
        return new Storage(root.dtype, key, null, root, offset, numel);
    }

    /** Storages of legacy files are created before their bytes are read. */
    static Storage pending(DType dtype, String key, long numel) {
        return new Storage(dtype, key, null, null, 0, numel);
    }

    void fill(byte[] bytes) {
        this.data = bytes;
    }

    boolean filled() {
        return root != null ? root.filled() : data != null;
    }

    /** Number of elements this storage (or view) holds. */
    long numel() {
        return numel >= 0 ? numel : data.length / dtype.size();
    }

    /** The bytes that hold element 0 of this storage, and the element offset of element 0 in them. */
    byte[] bytes() {
        return root != null ? root.bytes() : data;
    }

    long baseOffset() {
        return root != null ? root.baseOffset() + rootOffset : 0;
    }
}
