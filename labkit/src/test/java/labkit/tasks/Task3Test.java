package labkit.tasks;

import static labkit.TestFixtures.floats;
import static labkit.TestFixtures.longs;
import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import com.google.gson.JsonObject;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import labkit.TestFixtures;
import labkit.data.SegmentationDataset;
import labkit.models.FFNet;
import labkit.nn.FFNetHead;
import labkit.nn.InvertedResidualRewrite;
import labkit.train.History;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

class Task3Test {
    @TempDir Path tmp;

    @Test
    void datasetPicturesAndHeadTable() {
        SegmentationDataset ds = Task3.dataset(Task3.syntheticData(tmp.resolve("seg"), 4, 1));
        assertEquals(4, ds.size());
        BufferedImage g = Task3.datasetGrid(ds, 3, 0);
        assertEquals(4 * 116 + 4, g.getWidth());
        BufferedImage o = Task3.oneHotGrid(ds, 0);
        assertEquals((2 + 4) * 116 + 4, o.getWidth());

        Table heads = Task3.headTable();
        assertEquals(3, heads.rowCount());
        for (int r = 0; r < 3; r++) {
            assertEquals(heads.longColumn("backbone parameters").get(r) + heads.longColumn("head parameters").get(r),
                    heads.longColumn("total parameters").get(r));
            assertEquals("(1, 4, 16, 16)", heads.stringColumn("head output").get(r));
            assertEquals("(1, 4, 64, 64)", heads.stringColumn("net output").get(r));
        }
        assertEquals(11_176_512L, heads.longColumn("backbone parameters").get(0)); // torchvision resnet18 minus fc
        // C is the lightest head, A the heaviest
        assertTrue(heads.longColumn("head parameters").get(2) < heads.longColumn("head parameters").get(1));
        assertTrue(heads.longColumn("head parameters").get(1) < heads.longColumn("head parameters").get(0));
    }

    @Test
    void invertedResidualSwapKeepsShapesAndShrinksTheHead() {
        try (Model model = Task3.model(FFNetHead.Kind.C); NDManager m = NDManager.newBaseManager()) {
            InvertedResidualRewrite.Report r = Task3.invertedResidualSwap(model, 2);
            assertEquals(4, r.replaced().size(), r.replaced().toString()); // fam_4, fam_8_sm, fam_16_sm, fam_32_sm
            assertTrue(r.after().parameters() < r.before().parameters());
            assertTrue(r.after().macs() < r.before().macs());
            NDArray y = model.getBlock().forward(new ParameterStore(m, false),
                    new NDList(m.randomUniform(0f, 1f, Task3.inputShape(2))), false).head();
            assertEquals(new Shape(2, 4, 64, 64), y.getShape());
            Table t = Task3.swapTable(r);
            assertEquals(r.after().parameters() / (double) r.before().parameters(), t.doubleColumn("× parameters").get(1), 1e-12);
        }
        Table ratios = Task3.swapTable(FFNetHead.Kind.C, 1, 6);
        assertEquals(3, ratios.rowCount());
        // t = 6 costs more than the 3×3 convs it replaces, t = 1 less
        assertTrue(ratios.doubleColumn("× parameters").get(1) < 1);
        assertTrue(ratios.doubleColumn("× parameters").get(2) > ratios.doubleColumn("× parameters").get(1));
    }

    @Test
    void crossEntropyOnOneHotMasksEqualsPyTorch() {
        JsonObject f = TestFixtures.section("segsr/task34.json", "cross_entropy");
        try (NDManager m = NDManager.newBaseManager()) {
            long[] s = longs(f.get("shape"));
            NDArray logits = m.create(floats(f.get("logits")), new Shape(s));
            NDArray labels = m.create(longs(f.get("labels")), new Shape(s[0], s[2], s[3]));
            NDArray oneHot = labels.oneHot((int) s[1]).transpose(0, 3, 1, 2);
            float loss = Task3.loss().evaluate(new NDList(oneHot), new NDList(logits)).getFloat();
            assertEquals(f.get("loss").getAsFloat(), loss, 1e-5);
        }
    }

    @Test
    void shortTrainingLowersTheLossAndPredictsMasks() {
        SegmentationDataset all = Task3.dataset(Task3.syntheticData(tmp.resolve("t"), 6, 3));
        SegmentationDataset[] split = Task3.split(all, 1);
        SegmentationDataset train = split[0].withAugment(null);
        try (Model model = Task3.model(FFNetHead.Kind.C)) {
            History h = Task3.train(model, train, split[1], 4, 5);
            assertEquals(4, h.size());
            double first = h.column(History.TRAIN_LOSS).get(0);
            double last = h.last(History.TRAIN_LOSS);
            assertTrue(last < first, "training loss should go down: " + h);
            assertTrue(Double.isFinite(h.last(History.VAL_LOSS)));

            Table iou = Task3.iouTable(model, split[1]);
            assertEquals(5, iou.rowCount());
            assertEquals("mean IoU", iou.stringColumn("class").get(4));
            double mean = iou.doubleColumn("IoU").get(4);
            assertTrue(mean >= 0 && mean <= 1, iou.print());
            assertEquals(3 * 116 + 4, Task3.predictionGrid(model, split[1], 2).getWidth());
            assertThrows(IllegalArgumentException.class, () -> Task3.predict(model, model.getNDManager().zeros(new Shape(64, 64))));
        }
    }

    @Test
    void ffnetChecksItsInput() {
        FFNet net = FFNet.builder().head(FFNetHead.Kind.B).numClasses(3).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> net.getOutputShapes(new Shape[] {new Shape(1, 3, 48, 64)}));
        assertTrue(e.getMessage().contains("multiples of 32"), e.getMessage());
        assertEquals(new Shape(2, 3, 32, 64), net.getOutputShapes(new Shape[] {new Shape(2, 3, 32, 64)})[0]);
    }
}
