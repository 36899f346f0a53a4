package labkit.export;

import ai.djl.nn.Block;
import java.util.List;

/**
 * Writes one block class into an ONNX graph: given the block, its dotted path in the model and the values that
 * flow into it, it adds nodes to {@code graph} and returns the values that flow out. Composite blocks call
 * {@link OnnxGraph#export(Block, String, List)} on their children, so the exporter walks the tree by class.
 */
@FunctionalInterface
public interface BlockExporter {

    /** Adds the nodes of {@code block} (at {@code path}) applied to {@code inputs}; returns its outputs. */
    List<OnnxValue> export(Block block, String path, List<OnnxValue> inputs, OnnxGraph graph);
}
