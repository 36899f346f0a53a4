package labkit.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.function.Function;

/**
 * Test helper for per-forward leaks: an array a layer makes during a forward pass and attaches to its weights'
 * manager lives as long as the model, so a long training run grows by it on every step.
 */
public final class ManagerLeakCheck {

    private ManagerLeakCheck() {}

    /**
     * Runs {@code passes} training passes (forward in training mode, backward of the mean square of the first
     * output), each on inputs made by {@code input} in a sub-manager of {@code manager} that is closed after the
     * pass, and asserts that {@code manager}, which holds the block's parameters, holds as many arrays afterwards as
     * before. Parameters that take gradients get them switched on first.
     */
    public static void assertTrainingPassesLeaveManagerUnchanged(
            NDManager manager, Block block, int passes, Function<NDManager, NDList> input, String what) {
        BlockTree.parameters(block).values().stream().filter(Parameter::requiresGradient)
                .forEach(p -> p.getArray().setRequiresGradient(true));
        int before = manager.getManagedArrays().size();
        for (int step = 0; step < passes; step++) {
            try (NDManager pass = manager.newSubManager();
                    GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDList out = block.forward(new ParameterStore(pass, false), input.apply(pass), true);
                gc.backward(out.head().square().mean());
            }
        }
        assertEquals(before, manager.getManagedArrays().size(), what + ": arrays left in the model's manager after "
                + passes + " training passes");
    }
}
