package labkit.compress;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Student and frozen teacher side by side (children "student" and "teacher"): the forward pass returns
 * {@code (studentLogits, teacherLogits)} for a {@link DistillationLoss}. The teacher always runs in inference mode
 * (its BatchNorm statistics and dropout stay fixed) and its parameters are frozen, so an optimizer step only moves
 * the student. Accuracy metrics read the first output, the student's.
 */
public final class DistillationBlock extends AbstractBlock {
    private final Block student;
    private final Block teacher;

    /** Pairs {@code student} with {@code teacher}, which must be trained (initialised) already; freezes the teacher. */
    public DistillationBlock(Block student, Block teacher) {
        super((byte) 1);
        if (teacher == null || student == null) {
            throw new IllegalArgumentException("student and teacher must not be null");
        }
        if (!teacher.isInitialized()) {
            throw new IllegalArgumentException("the teacher is not initialised: train it (or load its weights) before"
                    + " distilling from it");
        }
        if (student == teacher) {
            throw new IllegalArgumentException("student and teacher must be different blocks");
        }
        this.student = addChildBlock("student", student);
        this.teacher = addChildBlock("teacher", teacher);
        teacher.freezeParameters(true);
    }

    public Block student() { return student; }
    public Block teacher() { return teacher; }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray s = student.forward(ps, inputs, training, params).head();
        NDArray t = teacher.forward(ps, inputs, false, params).head().stopGradient();
        return new NDList(s, t);
    }

    @Override
    public void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        student.initialize(manager, dataType, inputShapes);
        teacher.initialize(manager, dataType, inputShapes); // already initialised: keeps its weights
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {student.getOutputShapes(inputShapes)[0], teacher.getOutputShapes(inputShapes)[0]};
    }
}
