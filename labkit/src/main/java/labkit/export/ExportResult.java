package labkit.export;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/** What an export wrote: the file, its size in bytes and how many nodes of each ONNX op type it holds. */
public record ExportResult(Path file, long bytes, Map<String, Integer> opCounts) {

    static ExportResult of(Path file, ModelProto m) {
        Map<String, Integer> ops = new TreeMap<>();
        for (NodeProto n : m.getGraph().getNodeList()) {
            ops.merge(n.getOpType(), 1, Integer::sum);
        }
        return new ExportResult(file, m.getSerializedSize(), Map.copyOf(ops));
    }

    /** Total number of nodes. */
    public int nodes() {
        return opCounts.values().stream().mapToInt(Integer::intValue).sum();
    }
}
