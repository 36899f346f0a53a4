package labkit.weights;

import ai.djl.ndarray.types.DataType;

/**
 * The element types a PyTorch state dict can hold, each with torch's name ({@code float32}), the storage class
 * {@code torch.save} pickles ({@code torch.FloatStorage}) and its size in bytes.
 */
public enum DType {
    FLOAT32("float32", "FloatStorage", 4, DataType.FLOAT32),
    FLOAT16("float16", "HalfStorage", 2, DataType.FLOAT16),
    FLOAT64("float64", "DoubleStorage", 8, DataType.FLOAT64),
    /** Read and converted in Java: DJL 0.35.1 crashed the JVM creating a BFLOAT16 NDArray from a buffer. */
    BFLOAT16("bfloat16", "BFloat16Storage", 2, DataType.FLOAT32),
    INT64("int64", "LongStorage", 8, DataType.INT64),
    INT32("int32", "IntStorage", 4, DataType.INT32),
    INT16("int16", "ShortStorage", 2, DataType.INT16),
    INT8("int8", "CharStorage", 1, DataType.INT8),
    UINT8("uint8", "ByteStorage", 1, DataType.UINT8),
    BOOL("bool", "BoolStorage", 1, DataType.BOOLEAN);

    private final String torchName;
    private final String storageClass;
    private final int size;
    private final DataType djl;

    DType(String torchName, String storageClass, int size, DataType djl) {
        this.torchName = torchName;
        this.storageClass = storageClass;
        this.size = size;
        this.djl = djl;
    }

    /** torch's name, e.g. "float32", "bfloat16". */
    public String torchName() {
        return torchName;
    }

    /** The storage class name {@code torch.save} writes, e.g. "FloatStorage". */
    public String storageClass() {
        return storageClass;
    }

    /** Bytes per element. */
    public int size() {
        return size;
    }

    /** True for float16/32/64 and bfloat16. */
    public boolean isFloating() {
        return this == FLOAT32 || this == FLOAT16 || this == FLOAT64 || this == BFLOAT16;
    }

    /** The DJL type an NDArray made from this dtype has (bfloat16 becomes float32). */
    public DataType djlType() {
        return djl;
    }

    /** The dtype of a storage class name ("FloatStorage"), or null when it is not one torch writes. */
    static DType ofStorageClass(String name) {
        for (DType d : values()) {
            if (d.storageClass.equals(name)) {
                return d;
            }
        }
        return null;
    }

    /** The dtype matching a DJL type; throws for types a state dict cannot hold. */
    public static DType of(DataType type) {
        switch (type) {
            case FLOAT32: return FLOAT32;
            case FLOAT16: return FLOAT16;
            case FLOAT64: return FLOAT64;
            case BFLOAT16: return BFLOAT16;
            case INT64: return INT64;
            case INT32: return INT32;
            case INT16: return INT16;
            case INT8: return INT8;
            case UINT8: return UINT8;
            case BOOLEAN: return BOOL;
            default: throw new IllegalArgumentException("a state dict cannot hold DJL type " + type);
        }
    }
}
