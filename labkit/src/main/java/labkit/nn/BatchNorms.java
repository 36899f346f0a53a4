package labkit.nn;

import ai.djl.nn.norm.BatchNorm;
import java.lang.reflect.Field;

/**
 * The settings DJL's {@link BatchNorm} keeps private (ε and momentum; DJL has no getters), read in one place for BN
 * fusion, ONNX export, weight mapping and pruning.
 */
public final class BatchNorms {
    private BatchNorms() {}

    /** The ε added to the running variance. */
    public static float epsilon(BatchNorm bn) {
        return read(bn, "epsilon");
    }

    /** The running-statistics momentum in DJL's convention ({@code running = momentum·running + (1−momentum)·batch}). */
    public static float momentum(BatchNorm bn) {
        return read(bn, "momentum");
    }

    private static float read(BatchNorm bn, String field) {
        try {
            Field f = BatchNorm.class.getDeclaredField(field);
            f.setAccessible(true);
            return f.getFloat(bn);
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot read BatchNorm." + field + " from DJL " + bn.getClass().getName()
                    + " (field '" + field + "' missing in this DJL version?)", e);
        }
    }
}
