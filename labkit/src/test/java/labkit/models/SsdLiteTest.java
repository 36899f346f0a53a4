package labkit.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.nio.file.Path;
import java.util.List;
import labkit.data.CocoAnnotations;
import labkit.data.DetectionDataset;
import labkit.boxes.Detection;
import labkit.data.synthetic.SyntheticDetection;
import labkit.quant.LowBit;
import labkit.quant.Ptq;
import labkit.train.MultiBoxLoss;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SsdLiteTest {

    @Test
    void anchorsBoxCodingMatchingAndNms() {
        Anchors a = Anchors.ssd(new int[] {8, 4}, 0.15, 0.6);
        assertEquals((64 + 16) * 4, a.size());
        assertArrayEquals(new float[] {1 / 16f, 1 / 16f, 0.15f, 0.15f}, a.boxes()[0], 1e-6f);
        float[] anchor = {0.5f, 0.5f, 0.2f, 0.3f};
        float[] box = {0.55f, 0.45f, 0.3f, 0.15f};
        float[] t = BoxCoder.encode(box, anchor);
        assertArrayEquals(new float[] {2.5f, -5f / 3, (float) (5 * Math.log(1.5)), (float) (5 * Math.log(0.5))}, t,
                1e-5f, "torchvision weights (10, 10, 5, 5)");
        assertArrayEquals(box, BoxCoder.decode(t, anchor), 1e-6f);
        // a tiny box overlaps no anchor by 0.5 but still claims its best one
        int[] m = BoxCoder.match(a.boxes(), new float[][] {{0.5f, 0.5f, 0.03f, 0.03f}}, 0.5);
        assertEquals(1, java.util.Arrays.stream(m).filter(v -> v == 0).count());
        // NMS: boxes 0 and 1 overlap with IoU 0.6 (0.3·0.4 / 0.2) (> 0.5) → the lower-scored one goes; box 2 is apart
        float[][] b = {{0.5f, 0.5f, 0.4f, 0.4f}, {0.6f, 0.5f, 0.4f, 0.4f}, {0.1f, 0.1f, 0.1f, 0.1f}};
        assertEquals(0.6, BoxCoder.iou(b[0], b[1]), 1e-6);
        assertArrayEquals(new int[] {1, 2}, Nms.apply(b, new float[] {0.7f, 0.9f, 0.3f}, 0.5));
        assertArrayEquals(new int[] {1, 0, 2}, Nms.apply(b, new float[] {0.7f, 0.9f, 0.3f}, 0.65));
    }

    @Test
    void syntheticSetIsSeededCoversAllSizesAndReadsBackThroughTheCocoLoader(@TempDir Path dir) {
        CocoAnnotations a = SyntheticDetection.write(dir.resolve("a"), 40, 128, 5);
        CocoAnnotations b = SyntheticDetection.write(dir.resolve("b"), 40, 128, 5);
        assertEquals(a.annotations(), b.annotations(), "same seed, same boxes");
        long small = a.annotations().stream().filter(x -> x.area() < 32 * 32).count();
        long large = a.annotations().stream().filter(x -> x.area() > 96 * 96).count();
        assertTrue(small > 5 && large > 5 && a.annotations().size() - small - large > 5,
                "small/medium/large objects all present: " + small + ", " + large);
        Anchors anchors = Anchors.ssd(SsdLite.featureSizes(128), 0.1, 0.7);
        try (NDManager m = NDManager.newBaseManager()) {
            DetectionDataset ds = DetectionDataset.builder().coco(dir.resolve("a/annotations.json"),
                    dir.resolve("a/images")).size(128)
                    .encoder((mm, boxes, cats) -> BoxCoder.targets(mm, anchors, boxes, cats, 0.5))
                    .setSampling(4, false).build();
            assertEquals(40, ds.size());
            ai.djl.training.dataset.Record r = ds.get(m, 0);
            assertEquals(new Shape(3, 128, 128), r.getData().head().getShape());
            assertEquals(new Shape(anchors.size()), r.getLabels().get(0).getShape());
            int positives = (int) r.getLabels().get(0).gt(0).sum().toType(DataType.INT32, false).getInt();
            assertTrue(positives >= a.of(1).size(), "every box has at least its best anchor");
        }
        assertThrows(IllegalArgumentException.class, () -> DetectionDataset.builder()
                .coco(dir.resolve("a/annotations.json"), dir.resolve("nope")).encoder((mm, x, y) -> null).build());
    }

    @Test
    void detectorLearnsOnAFewImagesAndQuantizes(@TempDir Path dir) throws Exception {
        CocoAnnotations ann = SyntheticDetection.write(dir, 8, 96, 3);
        Anchors anchors = Anchors.ssd(SsdLite.featureSizes(96), 0.1, 0.7);
        Engine.getInstance().setRandomSeed(1);
        SsdLite net = new SsdLite(3, 0.35, anchors.perCell());
        DetectionDataset ds = DetectionDataset.builder().annotations(ann, dir.resolve("images")).size(96)
                .encoder((mm, boxes, cats) -> BoxCoder.targets(mm, anchors, boxes, cats, 0.5))
                .setSampling(8, false).build();
        try (Model model = Model.newInstance("ssd")) {
            model.setBlock(net);
            DefaultTrainingConfig cfg = new DefaultTrainingConfig(new MultiBoxLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(3e-3f)).build());
            try (Trainer trainer = model.newTrainer(cfg)) {
                trainer.initialize(new Shape(8, 3, 96, 96));
                assertEquals(new Shape(8, anchors.size(), 4), net.getOutputShapes(new Shape[] {new Shape(8, 3, 96,
                        96)})[1]);
                float first = Float.NaN;
                float last = Float.NaN;
                for (int step = 0; step < 25; step++) {
                    for (Batch batch : trainer.iterateDataset(ds)) {
                        try (GradientCollector gc = trainer.newGradientCollector()) {
                            NDList pred = trainer.forward(batch.getData());
                            NDArray loss = trainer.getLoss().evaluate(batch.getLabels(), pred);
                            gc.backward(loss);
                            if (step == 0) {
                                first = loss.getFloat();
                            }
                            last = loss.getFloat();
                        }
                        trainer.step();
                        batch.close();
                    }
                }
                assertTrue(last < 0.6 * first, "MultiBox loss falls when fitting 8 images: " + first + " -> " + last);
            }
            try (NDManager m = NDManager.newBaseManager()) {
                NDArray x = ds.image(m, 0).expandDims(0);
                NDList out = net.forward(new ParameterStore(m, false), new NDList(x), false);
                List<Detection> d = SsdLite.detect(1, out.get(0).toFloatArray(), out.get(1).toFloatArray(), anchors,
                        3, 96, 0.05, 0.5, 100);
                assertTrue(!d.isEmpty() && d.size() <= 100, "detections after fitting: " + d.size());
                Ptq ptq = Ptq.prepare(net, LowBit.minMax(8, 8));
                ptq.calibrate(List.of(x));
                ptq.convert();
                NDList q = net.forward(new ParameterStore(m, false), new NDList(x), false);
                assertEquals(out.get(0).getShape(), q.get(0).getShape());
                assertTrue(ptq.weightQParams().size() > 50, "every conv quantized: " + ptq.weightQParams().size());
            }
        }
    }
}
