package labkit.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import labkit.nn.BlockTree;
import labkit.nn.CollapsibleLinearBlock;
import labkit.nn.Upsample;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every labkit model is a tree that {@link BlockTree#replace} can edit anywhere: each leaf that holds parameters is
 * replaced by a delegating wrapper, and the forward pass must then run every one of those wrappers and give the same
 * output as before. A composite block that ran a child held in a field, not its current child, fails this.
 */
class BlockTreeReachTest {

    record Case(String name, Supplier<Block> model, Shape input) {
        @Override
        public String toString() {
            return name;
        }
    }

    static List<Case> models() {
        return List.of(
                new Case("Task1Cnn", () -> Task1Cnn.create(4, 32), new Shape(1, 3, 32, 32)),
                new Case("VideoNet LSTM", () -> VideoNet.builder().backbone(VideoNet.task1Backbone(4), 16)
                        .head(VideoNet.Head.LSTM).hidden(16).maxFrames(4).build(), new Shape(1, 3, 3, 16, 16)),
                new Case("VideoNet attention", () -> VideoNet.builder().backbone(VideoNet.task1Backbone(4), 16)
                        .head(VideoNet.Head.ATTENTION).attentionHeads(2).maxFrames(4).build(),
                        new Shape(1, 3, 3, 16, 16)),
                new Case("FFNet", () -> FFNet.builder().build(), new Shape(1, 3, 64, 64)),
                new Case("SuperResolutionNet", () -> new SuperResolutionNet(3, 8, 1), new Shape(1, 1, 16, 16)),
                new Case("MobileNetV2", () -> MobileNetV2.builder().widthMult(0.35).numClasses(10).build(),
                        new Shape(1, 3, 32, 32)),
                new Case("MobileNetV2 quantizable", () -> MobileNetV2.builder().widthMult(0.35).numClasses(10)
                        .quantizable(true).build(), new Shape(1, 3, 32, 32)),
                new Case("EfficientNetB0", () -> EfficientNetB0.create(10), new Shape(1, 3, 32, 32)),
                new Case("ResNet18", () -> ResNet.builder().depth(18).numClasses(10).build(), new Shape(1, 3, 32, 32)),
                new Case("DepthNet", () -> DepthNet.builder().width(16).repeats(1).headWidth(16).build(),
                        new Shape(1, 3, 64, 64)),
                new Case("StudentNet", () -> new StudentNet(4, 1, 10), new Shape(1, 3, 32, 32)),
                new Case("SESR block", () -> new CollapsibleLinearBlock(4, 4, 3, 16, true), new Shape(1, 4, 8, 8)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void everyParameterLeafCanBeReplacedAndIsRun(Case c) {
        try (NDManager m = NDManager.newBaseManager()) {
            m.getEngine().setRandomSeed(7);
            Block net = c.model().get();
            net.initialize(m, DataType.FLOAT32, c.input());
            NDList x = new NDList(m.randomNormal(c.input()));
            float[] before = net.forward(new ParameterStore(m, false), x, false).head().toFloatArray();

            Map<String, Counting> wrappers = new LinkedHashMap<>();
            for (Map.Entry<String, Block> e : BlockTree.blocks(net).entrySet()) {
                Block b = e.getValue();
                if (!e.getKey().isEmpty() && b.getChildren().isEmpty() && !b.getDirectParameters().isEmpty()) {
                    wrappers.put(e.getKey(), new Counting(b));
                }
            }
            assertTrue(wrappers.size() > 0, c.name() + " has parameter leaves");
            List<String> failed = new ArrayList<>();
            wrappers.forEach((path, w) -> {
                try {
                    BlockTree.replace(net, path, w);
                    assertSame(w, BlockTree.get(net, path), path);
                } catch (IllegalArgumentException e) {
                    failed.add(path + ": " + e.getMessage());
                }
            });
            assertEquals(List.of(), failed, c.name() + ": leaves BlockTree.replace could not reach");

            float[] after = net.forward(new ParameterStore(m, false), x, false).head().toFloatArray();
            List<String> notRun = new ArrayList<>();
            wrappers.forEach((path, w) -> {
                if (w.calls == 0) {
                    notRun.add(path);
                }
            });
            assertEquals(List.of(), notRun, c.name() + ": replaced leaves the forward pass did not run");
            assertArrayEquals(before, after, 0f, c.name() + ": delegating wrappers change nothing (same kernels)");
        }
    }

    @Test
    void aChildHeldAsANarrowTypeRefusesAnotherKindNamingIt() {
        Block bifpnLayer = new labkit.nn.BiFPN.Layer(3, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BlockTree.replace(bifpnLayer, "up", new Counting(Upsample.nearest(2))));
        assertTrue(e.getMessage().contains("'up'") && e.getMessage().contains("Upsample"), e.getMessage());
    }

    /** A leaf that runs the block it replaced and counts its calls. */
    static final class Counting extends AbstractBlock {
        private final Block inner;
        int calls;

        Counting(Block inner) {
            this.inner = inner;
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training,
                PairList<String, Object> params) {
            calls++;
            return inner.forward(ps, inputs, training, params);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return inner.getOutputShapes(inputShapes);
        }
    }
}
