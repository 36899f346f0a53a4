package labkit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import labkit.nn.BlockTree;

/**
 * A PyTorch state dict in Java: tensors by dotted key ("features.0.0.weight"), in the file's key order.
 * Read one with {@link #read(Path)} (any {@code torch.save(model.state_dict())} file), take one from a labkit
 * model with {@link #of(Block)}, and write it back with {@link #write(Path)} for {@code torch.load}.
 */
public final class StateDict {
    private final Map<String, TensorData> tensors = new LinkedHashMap<>();

    /** An empty state dict. */
    public StateDict() {}

    /** Reads a {@code .pth}/{@code .pt} file written by {@code torch.save} (zip or legacy format). */
    public static StateDict read(Path file) throws IOException {
        return TorchFile.read(file);
    }

    /** Writes this state dict as a zip-format file that {@code torch.load} reads. */
    public void write(Path file) throws IOException {
        TorchFile.write(this, file);
    }

    /**
     * The parameters of an initialized labkit model under torchvision's key names (BatchNorm statistics
     * included, plus a {@code num_batches_tracked} of 0 per BatchNorm as {@code torch.nn.BatchNorm2d} has).
     */
    public static StateDict of(Block model) {
        Map<String, Block> blocks = BlockTree.blocks(model);
        StateDict sd = new StateDict();
        for (Map.Entry<String, Parameter> e : BlockTree.parameters(model).entrySet()) {
            NDArray a = e.getValue().getArray();
            if (a == null) {
                throw new IllegalStateException("parameter " + e.getKey() + " has no value: initialize the model"
                        + " (model.initialize(manager, DataType.FLOAT32, inputShape)) before taking its state dict");
            }
            sd.put(e.getKey(), TensorData.of(a));
            String key = e.getKey();
            if (key.endsWith(".running_var")) {
                String owner = key.substring(0, key.length() - ".running_var".length());
                if (blocks.get(owner) instanceof BatchNorm) {
                    sd.put(owner + ".num_batches_tracked", TensorData.of(new long[] {0}));
                }
            }
        }
        return sd;
    }

    /** Adds or replaces a tensor (a new key goes last). */
    public StateDict put(String key, TensorData tensor) {
        tensors.put(key, tensor);
        return this;
    }

    /** The tensor under {@code key}; throws naming the key when it is absent. */
    public TensorData get(String key) {
        TensorData t = tensors.get(key);
        if (t == null) {
            throw new IllegalArgumentException("no tensor '" + key + "' in this state dict (" + tensors.size()
                    + " keys, e.g. " + tensors.keySet().stream().limit(3).toList() + ")");
        }
        return t;
    }

    public boolean contains(String key) {
        return tensors.containsKey(key);
    }

    /** The keys in order. */
    public Set<String> keys() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    /** Keys and tensors in order (read-only). */
    public Map<String, TensorData> asMap() {
        return Collections.unmodifiableMap(tensors);
    }

    public int size() {
        return tensors.size();
    }

    /** Total number of elements over all tensors. */
    public long numel() {
        return tensors.values().stream().mapToLong(TensorData::numel).sum();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StateDict && ((StateDict) o).tensors.equals(tensors)
                && ((StateDict) o).tensors.keySet().stream().toList().equals(tensors.keySet().stream().toList());
    }

    @Override
    public int hashCode() {
        return tensors.hashCode();
    }

    /** One line per key: "features.0.0.weight float32[32, 3, 3, 3]". */
    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("StateDict(" + tensors.size() + " tensors)");
        tensors.forEach((k, v) -> sb.append("\n  ").append(k).append(' ').append(v));
        return sb.toString();
    }
}
