package labkit.export;

import ai.djl.ndarray.types.Shape;

/**
 * A tensor flowing through an ONNX graph while it is being written: its value name and its shape for the sample
 * input the export was traced with (dimension 0 is the batch, exported as the symbolic axis "N").
 */
public record OnnxValue(String name, Shape shape) {
    public OnnxValue {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("an ONNX value needs a non-empty name");
        }
    }
}
