package labkit.data;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.Record;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;
import labkit.data.synthetic.SegmentationShapes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SegmentationDatasetTest {
    @TempDir
    Path tmp;

    private SegmentationDataset shapes(int n) throws Exception {
        SegmentationShapes.write(tmp, n, 48, 11);
        return SegmentationDataset.builder().folders(tmp.resolve("images"), tmp.resolve("masks"))
                .palette(SegmentationShapes.PALETTE).augment(PairedAugment.builder().build()).seed(3).build();
    }

    @Test
    void recordsAndOneHotSumToOne() throws Exception {
        SegmentationDataset ds = shapes(3);
        assertEquals(3, ds.size());
        try (NDManager m = NDManager.newBaseManager()) {
            Record r = ds.get(m, 0);
            assertEquals(new Shape(3, 48, 48), r.getData().head().getShape());
            assertEquals(new Shape(48, 48), r.getLabels().head().getShape());
            assertEquals(DataType.INT64, r.getLabels().head().getDataType());
            Record oh = ds.oneHot().get(m, 1);
            NDArray y = oh.getLabels().head();
            assertEquals(new Shape(4, 48, 48), y.getShape());
            assertEquals(0f, y.sum(new int[] {0}).sub(1f).abs().max().getFloat());
            // at least one non-background pixel in the synthetic set
            assertTrue(y.get(0).sum().getFloat() < 48 * 48);
        }
    }

    @Test
    void pairedWarpKeepsMaskAligned() {
        try (NDManager m = NDManager.newBaseManager()) {
            // a smooth image whose mask is its own threshold: after any warp, the warped mask must still be the
            // threshold of the warped image (except on the few pixels the bilinear interpolation blends)
            int h = 64;
            int w = 80;
            float[] v = new float[h * w];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    v[y * w + x] = (float) (127.5 + 120 * Math.sin(x / 14.0 + 0.3) * Math.cos(y / 11.0));
                }
            }
            NDArray gray = m.create(v, new Shape(h, w)).round().toType(DataType.UINT8, false);
            NDArray img = gray.expandDims(2).repeat(2, 3);
            NDArray mask = gray.toType(DataType.FLOAT32, false).gt(127.5f).toType(DataType.UINT8, false);
            PairedAugment aug = PairedAugment.builder().horizontalFlip(0.5).rotation(30).scale(0.8, 1.25).translate(0.1).build();
            Random rng = new Random(42);
            for (int t = 0; t < 6; t++) {
                PairedAugment.Pair p = aug.apply(img, mask, rng);
                NDArray thr = p.image().get(":, :, 0").toType(DataType.FLOAT32, false).gt(127.5f);
                float agree = thr.eq(p.mask().toType(DataType.INT64, false).eq(1L)).toType(DataType.FLOAT32, false).mean().getFloat();
                assertTrue(agree > 0.98f, "warp " + t + ": only " + agree + " of pixels agree");
                // nearest-neighbour on both: exactly the same geometry, so exactly the same pixels
                NDArray m2 = PairedAugment.warp(img, aug.sampleMatrix(w, h, new Random(t)), org.opencv.imgproc.Imgproc.INTER_NEAREST);
                NDArray k2 = PairedAugment.warp(mask, aug.sampleMatrix(w, h, new Random(t)), org.opencv.imgproc.Imgproc.INTER_NEAREST);
                assertEquals(0f, m2.get(":, :, 0").toType(DataType.FLOAT32, false).gt(127.5f).toType(DataType.FLOAT32, false)
                        .sub(k2.toType(DataType.FLOAT32, false)).abs().sum().getFloat(), "warp " + t);
                float moved = p.mask().toType(DataType.FLOAT32, false).sub(mask.toType(DataType.FLOAT32, false)).abs().mean().getFloat();
                assertTrue(moved > 0.02f, "warp " + t + " should move the mask");
            }
        }
    }

    @Test
    void clearErrorsNamingTheFile() throws Exception {
        SegmentationShapes.write(tmp, 2, 32, 1);
        Path images = tmp.resolve("images");
        Path masks = tmp.resolve("masks");
        // unknown colour
        BufferedImage bad = new BufferedImage(32, 32, BufferedImage.TYPE_INT_RGB);
        bad.setRGB(5, 6, 0x123456);
        ImageIO.write(bad, "png", masks.resolve("0001.png").toFile());
        SegmentationDataset ds = SegmentationDataset.builder().folders(images, masks).palette(SegmentationShapes.PALETTE).build();
        try (NDManager m = NDManager.newBaseManager()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ds.get(m, 1));
            assertTrue(e.getMessage().contains("0001.png") && e.getMessage().contains("(18, 52, 86)"), e.getMessage());
            // size mismatch
            ImageIO.write(new BufferedImage(30, 32, BufferedImage.TYPE_INT_RGB), "png", masks.resolve("0001.png").toFile());
            e = assertThrows(IllegalArgumentException.class, () -> ds.get(m, 1));
            assertTrue(e.getMessage().contains("0001.png") && e.getMessage().contains("30×32"), e.getMessage());
        }
        // missing mask
        Files.delete(masks.resolve("0001.png"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SegmentationDataset.builder()
                .folders(images, masks).palette(SegmentationShapes.PALETTE).build());
        assertTrue(e.getMessage().contains("0001.png") && e.getMessage().contains("no mask"), e.getMessage());
        // CSV with a missing file
        Path csv = tmp.resolve("pairs.csv");
        Files.writeString(csv, "image,mask\nimages/0000.png,masks/0000.png\nimages/0001.png,masks/0001.png\n");
        e = assertThrows(IllegalArgumentException.class, () -> SegmentationDataset.builder().csv(csv)
                .palette(SegmentationShapes.PALETTE).build());
        assertTrue(e.getMessage().contains("line 3") && e.getMessage().contains("0001.png"), e.getMessage());
        Files.writeString(csv, "images/0000.png,masks/0000.png\n");
        assertEquals(1, SegmentationDataset.builder().csv(csv).palette(SegmentationShapes.PALETTE).build().size());
    }
}
