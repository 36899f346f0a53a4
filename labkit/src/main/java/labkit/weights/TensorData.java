package labkit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One tensor of a state dict, held in Java: dtype, shape and its elements packed contiguously (row-major,
 * little-endian). Views of a torch storage (offsets, strides, transposes, expands) are already resolved into
 * their own copy. Convert with {@link #toNDArray(NDManager)} or read with {@link #toFloatArray()} and friends.
 */
public final class TensorData {
    private final DType dtype;
    private final long[] shape;
    private final byte[] data;

    /** A tensor over {@code data} (row-major, little-endian, exactly numel × element size bytes). */
    public TensorData(DType dtype, long[] shape, byte[] data) {
        this.dtype = dtype;
        this.shape = shape.clone();
        long n = numel(this.shape);
        if ((long) data.length != n * dtype.size()) {
            throw new IllegalArgumentException("tensor of shape " + Arrays.toString(shape) + " and dtype "
                    + dtype.torchName() + " needs " + n * dtype.size() + " bytes, got " + data.length);
        }
        this.data = data;
    }

    /** A float32 tensor with the given values (row-major). */
    public static TensorData of(float[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return new TensorData(DType.FLOAT32, shape, b.array());
    }

    /** An int64 tensor with the given values (row-major). */
    public static TensorData of(long[] values, long... shape) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(values);
        return new TensorData(DType.INT64, shape, b.array());
    }

    /** A copy of an NDArray's values (any dtype a state dict can hold). */
    public static TensorData of(NDArray array) {
        DType dt = DType.of(array.getDataType());
        ByteBuffer src = array.toByteBuffer().order(ByteOrder.nativeOrder());
        byte[] bytes = new byte[src.remaining()];
        src.get(bytes);
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            swap(bytes, dt.size());
        }
        return new TensorData(dt, array.getShape().getShape(), bytes);
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long s : shape) {
            n *= s;
        }
        return n;
    }

    static void swap(byte[] b, int size) {
        for (int i = 0; i + size <= b.length; i += size) {
            for (int j = 0; j < size / 2; j++) {
                byte t = b[i + j];
                b[i + j] = b[i + size - 1 - j];
                b[i + size - 1 - j] = t;
            }
        }
    }

    public DType dtype() {
        return dtype;
    }

    /** The shape (a copy); {@code []} for a 0-dim tensor. */
    public long[] shape() {
        return shape.clone();
    }

    /** The shape as a DJL {@link Shape}. */
    public Shape djlShape() {
        return new Shape(shape);
    }

    /** Number of elements (1 for a 0-dim tensor, 0 for an empty one). */
    public long numel() {
        return numel(shape);
    }

    /** The raw elements, little-endian, row-major (a read-only view). */
    public ByteBuffer bytes() {
        return ByteBuffer.wrap(data).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    int byteLength() {
        return data.length;
    }

    byte[] rawData() {
        return data;
    }

    /** The values as float32 (floating types exactly as torch's {@code .float()}; integers and bools cast). */
    public float[] toFloatArray() {
        int n = Math.toIntExact(numel());
        float[] out = new float[n];
        ByteBuffer b = bytes();
        for (int i = 0; i < n; i++) {
            out[i] = (float) element(b, i);
        }
        return out;
    }

    /** The values as float64 (exact for every dtype except int64 beyond 2^53). */
    public double[] toDoubleArray() {
        int n = Math.toIntExact(numel());
        double[] out = new double[n];
        ByteBuffer b = bytes();
        for (int i = 0; i < n; i++) {
            out[i] = element(b, i);
        }
        return out;
    }

    /** The values of an integer or bool tensor as longs (exact); floating tensors are refused. */
    public long[] toLongArray() {
        if (dtype.isFloating()) {
            throw new IllegalStateException("toLongArray() on a " + dtype.torchName() + " tensor; use toFloatArray()");
        }
        int n = Math.toIntExact(numel());
        long[] out = new long[n];
        ByteBuffer b = bytes();
        for (int i = 0; i < n; i++) {
            int p = i * dtype.size();
            switch (dtype) {
                case INT64: out[i] = b.getLong(p); break;
                case INT32: out[i] = b.getInt(p); break;
                case INT16: out[i] = b.getShort(p); break;
                case INT8: out[i] = b.get(p); break;
                case UINT8: out[i] = b.get(p) & 0xff; break;
                case BOOL: out[i] = b.get(p) != 0 ? 1 : 0; break;
                default: throw new IllegalStateException(dtype.toString());
            }
        }
        return out;
    }

    private double element(ByteBuffer b, int i) {
        int p = i * dtype.size();
        switch (dtype) {
            case FLOAT32: return b.getFloat(p);
            case FLOAT64: return b.getDouble(p);
            case FLOAT16: return halfToFloat(b.getShort(p));
            case BFLOAT16: return Float.intBitsToFloat((b.getShort(p) & 0xffff) << 16);
            case INT64: return b.getLong(p);
            case INT32: return b.getInt(p);
            case INT16: return b.getShort(p);
            case INT8: return b.get(p);
            case UINT8: return b.get(p) & 0xff;
            case BOOL: return b.get(p) != 0 ? 1 : 0;
            default: throw new IllegalStateException(dtype.toString());
        }
    }

    /** IEEE 754 binary16 → float32, exact (subnormals, infinities and NaN included). */
    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        if (exp == 0) {
            float v = mant * 0x1p-24f; // subnormal (or zero)
            return sign != 0 ? -v : v;
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** This tensor as float32 (a copy; itself when it already is float32). */
    public TensorData toFloat32() {
        return dtype == DType.FLOAT32 ? this : of(toFloatArray(), shape);
    }

    /**
     * An NDArray with these values, owned by {@code manager}. bfloat16 becomes float32 (converted in Java);
     * every other dtype keeps its type.
     */
    public NDArray toNDArray(NDManager manager) {
        TensorData t = dtype == DType.BFLOAT16 ? toFloat32() : this;
        ByteBuffer direct = ByteBuffer.allocateDirect(Math.max(1, t.data.length)).order(ByteOrder.nativeOrder());
        byte[] bytes = t.data;
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            bytes = bytes.clone();
            swap(bytes, t.dtype.size());
        }
        direct.put(bytes);
        direct.flip();
        return manager.create(direct, new Shape(shape), t.dtype.djlType());
    }

    /** True when dtype, shape and every byte are equal. */
    @Override
    public boolean equals(Object o) {
        if (!(o instanceof TensorData)) {
            return false;
        }
        TensorData t = (TensorData) o;
        return dtype == t.dtype && Arrays.equals(shape, t.shape) && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * dtype.hashCode() + Arrays.hashCode(shape)) + Arrays.hashCode(data);
    }

    /** E.g. "float32[32, 3, 3, 3]". */
    @Override
    public String toString() {
        return dtype.torchName() + Arrays.toString(shape);
    }
}
