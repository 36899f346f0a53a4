package labkit.models;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.loss.Loss;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import labkit.data.FaceSequenceDataset;
import labkit.data.synthetic.MotionSequences;
import labkit.nn.BlockTree;
import labkit.nn.ManagerLeakCheck;
import labkit.train.Adam;
import labkit.train.Fit;
import labkit.train.History;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VideoNetTest {
    @TempDir Path tmp;

    static NDArray forward(Block net, NDManager m, long b, long t) {
        NDArray x = m.randomUniform(0, 1, new Shape(b, t, 3, 16, 16));
        return net.forward(new ParameterStore(m, false), new NDList(x), false).singletonOrThrow();
    }

    @Test
    void bothHeadsGiveEightLogitsForAnyLength() {
        int f = 32; // task1Backbone(8): 4·8 features
        for (VideoNet.Head head : VideoNet.Head.values()) {
            Block net = VideoNet.builder().backbone(VideoNet.task1Backbone(8), f).head(head).hidden(48)
                    .attentionHeads(4).maxFrames(8).build();
            try (NDManager m = NDManager.newBaseManager()) {
                net.initialize(m, DataType.FLOAT32, new Shape(2, 4, 3, 16, 16));
                assertEquals(new Shape(2, 8), forward(net, m, 2, 4).getShape(), head.name());
                assertEquals(new Shape(3, 8), forward(net, m, 3, 6).getShape(), head + " T=6");
                assertEquals(new Shape(1, 8), forward(net, m, 1, 1).getShape(), head + " T=1");
                assertArrayEquals(new Shape[] {new Shape(2, 8)}, net.getOutputShapes(new Shape[] {new Shape(2, 5, 3, 16, 16)}));
                long backbone = BlockTree.countParameters(net.getChildren().get(0).getValue());
                long temporal = BlockTree.countParameters(net.getChildren().get(1).getValue());
                long fc = BlockTree.countParameters(net.getChildren().get(2).getValue());
                // conv(3→8)+BN, conv(8→16)+BN, conv(16→32)+BN, no conv biases
                assertEquals(3 * 8 * 9 + 16 + 8 * 16 * 9 + 32 + 16 * 32 * 9 + 64, backbone);
                if (head == VideoNet.Head.LSTM) {
                    // torch nn.LSTM(32, 48): 4h(F + h) weights + two 4h biases
                    assertEquals(4 * 48 * (32 + 48) + 8 * 48, temporal);
                    assertEquals(48 * 8 + 8, fc);
                } else {
                    // cls + pos(9×32) + nn.TransformerEncoderLayer(32, 4, 48): attn 4F²+4F, ff 2·F·48+48+F, norms 4F
                    long layer = 4L * f * f + 4 * f + 2L * f * 48 + 48 + f + 4 * f;
                    assertEquals(f + 9L * f + layer, temporal);
                    assertEquals(f * 8 + 8, fc);
                    assertTrue(BlockTree.parameters(net).containsKey("temporal.encoder.0.self_attn.in_proj_weight"));
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> forward(net, m, 1, 9));
                    assertTrue(e.getMessage().contains("maxFrames"), e.getMessage());
                }
            }
        }
    }

    @Test
    void aTrainingPassLeavesNothingInTheModelsManager() {
        // the attention head's CLS token and positional embedding were views in the model's manager, and so the
        // sequence made from them and every encoder activation stayed there for as long as the model lived
        for (VideoNet.Head head : VideoNet.Head.values()) {
            Block net = VideoNet.builder().backbone(VideoNet.task1Backbone(8), 32).head(head).hidden(48)
                    .attentionHeads(4).maxFrames(8).build();
            try (NDManager m = NDManager.newBaseManager()) {
                net.initialize(m, DataType.FLOAT32, new Shape(2, 4, 3, 16, 16));
                ManagerLeakCheck.assertTrainingPassesLeaveManagerUnchanged(m, net, 2,
                        pass -> new NDList(pass.randomUniform(0, 1, new Shape(2, 4, 3, 16, 16))), head.name());
            }
        }
    }

    @Test
    void quickTrainingOnSyntheticSequencesLowersTheLoss() throws Exception {
        List<String> classes = List.of("left", "right", "up", "down");
        MotionSequences.write(tmp, classes, 6, 6, 16, 1);
        FaceSequenceDataset ds = FaceSequenceDataset.builder().root(tmp).frames(6).size(16).build();
        assertEquals(24, ds.size());
        assertEquals(classes.stream().sorted().toList(), ds.classes());
        try (NDManager m = NDManager.newBaseManager()) {
            assertEquals(new Shape(6, 3, 16, 16), ds.get(m, 0).getData().head().getShape());
        }
        Block net = VideoNet.builder().backbone(VideoNet.task1Backbone(4), 16).head(VideoNet.Head.LSTM).hidden(32)
                .numClasses(4).build();
        try (Fit fit = Fit.builder(net, Loss.softmaxCrossEntropyLoss()).optimizer(Adam.of(1e-2)).epochs(4)
                .batchSize(8).seed(1).metric(new Accuracy()).progress(null).build()) {
            History h = fit.fit(ds);
            double[] loss = h.column("train_loss").asDoubleArray();
            assertTrue(loss[loss.length - 1] < loss[0] * 0.9, "loss did not fall: " + java.util.Arrays.toString(loss));
        }
        // label CSV instead of class folders, with an error that names a bad label
        Path csv = tmp.resolve("labels.csv");
        Files.writeString(csv, "clip,label\nleft/clip_000,happy\nright/clip_000,3\n");
        FaceSequenceDataset fromCsv = FaceSequenceDataset.builder().root(tmp).labelsCsv(csv).frames(4).size(16).build();
        assertEquals(2, fromCsv.size());
        assertEquals(2, fromCsv.clips().get(0).label()); // "happy" in VideoNet.EMOTIONS
        Files.writeString(csv, "clip,label\nleft/clip_000,bored\n");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> FaceSequenceDataset.builder().root(tmp).labelsCsv(csv).build());
        assertTrue(e.getMessage().contains("bored") && e.getMessage().contains("labels.csv"), e.getMessage());
        assertArrayEquals(new int[] {0, 1, 1, 1}, FaceSequenceDataset.sampleIndices(2, 4), "short clips repeat their last frame");
        assertArrayEquals(new int[] {1, 4, 7}, FaceSequenceDataset.sampleIndices(9, 3));
    }
}
