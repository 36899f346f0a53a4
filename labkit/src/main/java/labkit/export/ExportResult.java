package labkit.export;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What an export wrote: the file, its size in bytes, how many nodes of each ONNX op type it holds, and warnings
 * (e.g. int8 layers at risk of int16 saturation in ONNX Runtime on CPUs without VNNI).
 */
public record ExportResult(Path file, long bytes, Map<String, Integer> opCounts, List<String> warnings) {

    static ExportResult of(Path file, ModelProto m, List<String> warnings) {
        Map<String, Integer> ops = new TreeMap<>();
        for (NodeProto n : m.getGraph().getNodeList()) {
            ops.merge(n.getOpType(), 1, Integer::sum);
        }
        return new ExportResult(file, m.getSerializedSize(), Map.copyOf(ops), List.copyOf(warnings));
    }

    /** Total number of nodes. */
    public int nodes() {
        return opCounts.values().stream().mapToInt(Integer::intValue).sum();
    }
}
