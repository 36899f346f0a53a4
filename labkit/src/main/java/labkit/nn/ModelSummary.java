package labkit.nn;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.util.Pair;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * A layer table like torchinfo's {@code summary}: one row per leaf block (descending into sequential
 * containers) with its PyTorch-style name, type, output shape and parameter count. The block must be
 * initialised for the given input shape.
 */
public final class ModelSummary {
    private ModelSummary() {}

    /** The layer table of {@code block} for inputs of {@code inputShape} (batch dimension included). */
    public static Table of(Block block, Shape inputShape) {
        if (!block.isInitialized()) {
            throw new IllegalArgumentException("initialise the block first: block.initialize(manager, FLOAT32, "
                    + inputShape + ")");
        }
        StringColumn name = StringColumn.create("layer");
        StringColumn type = StringColumn.create("type");
        StringColumn out = StringColumn.create("output shape");
        LongColumn params = LongColumn.create("parameters");
        walk("", block, new Shape[] {inputShape}, name, type, out, params);
        name.append("total");
        type.append("");
        out.append("");
        params.append(BlockTree.countParameters(block));
        return Table.create("summary", name, type, out, params);
    }

    private static Shape[] walk(String path, Block block, Shape[] in, StringColumn name, StringColumn type,
            StringColumn out, LongColumn params) {
        if (block instanceof SequentialBlock && !block.getChildren().isEmpty()) {
            Shape[] shapes = in;
            for (Pair<String, Block> child : block.getChildren()) {
                String n = BlockTree.childName(child.getKey());
                shapes = walk(path.isEmpty() ? n : path + "." + n, child.getValue(), shapes, name, type, out, params);
            }
            return shapes;
        }
        Shape[] result = block.getOutputShapes(in);
        long count = 0;
        for (Parameter p : BlockTree.parameters(block).values()) {
            if (p.requiresGradient() && p.getArray() != null) {
                count += p.getArray().size();
            }
        }
        name.append(path.isEmpty() ? "(root)" : path);
        type.append(block instanceof Act ? block.toString() : block.getClass().getSimpleName());
        out.append(result.length == 1 ? result[0].toString() : java.util.Arrays.toString(result));
        params.append(count);
        return result;
    }
}
