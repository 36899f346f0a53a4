package labkit.quant;

import ai.djl.nn.Block;
import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Sizes of a model saved as float32 and as int8, the course's "how much smaller is it" number (PyTorch users
 * compare {@code torch.save(model.state_dict())} files). Save the float model before {@code Ptq.prepare}
 * changes it: {@code long fp32 = ModelSize.saveFloat(model, dir.resolve("fp32.params"))}, then after convert
 * {@code ModelSize.of(fp32, QuantizedModelFile.save(ptq, dir.resolve("int8.lkq")))}.
 *
 * @param fp32Bytes size of the float32 parameter file
 * @param int8Bytes size of the quantized model file
 */
public record ModelSize(long fp32Bytes, long int8Bytes) {

    public static ModelSize of(long fp32Bytes, long int8Bytes) {
        return new ModelSize(fp32Bytes, int8Bytes);
    }

    /** Writes {@code model}'s parameters with DJL's {@code saveParameters} (float32) and returns the file size. */
    public static long saveFloat(Block model, Path file) {
        if (!model.isInitialized()) {
            throw new IllegalStateException("initialize the model before saving it");
        }
        try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(file)))) {
            model.saveParameters(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** int8 size / fp32 size (about 0.25 plus overhead). */
    public double ratio() {
        return (double) int8Bytes / fp32Bytes;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "fp32 %.3f MB, int8 %.3f MB (%.1f%%)", fp32Bytes / 1e6, int8Bytes / 1e6,
                100 * ratio());
    }
}
