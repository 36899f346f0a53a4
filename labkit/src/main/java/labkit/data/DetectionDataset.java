package labkit.data;

import labkit.boxes.BoxAnnotation;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * Images with COCO box annotations (a synthetic set or a real COCO/VOC-converted {@code instances} file with its
 * image folder) as a DJL dataset: each image resized to {@code size}×{@code size}, scaled to {@code [-1, 1]}, as a
 * 3×size×size float32 tensor; the label is whatever the {@link TargetEncoder} makes of the image's boxes (e.g.
 * SSD's anchor targets). Boxes reach the encoder in normalized {@code {cx, cy, w, h}} with their category ids.
 */
public final class DetectionDataset extends RandomAccessDataset {

    /** Turns one image's boxes (normalized cx, cy, w, h) and category ids into label arrays. */
    @FunctionalInterface
    public interface TargetEncoder {
        NDList encode(NDManager manager, float[][] boxes, int[] categories);
    }

    private final Path imageDir;
    private final CocoAnnotations annotations;
    private final List<Long> ids;
    private final int size;
    private final TargetEncoder encoder;

    private DetectionDataset(Builder b) {
        super(b);
        this.imageDir = b.imageDir;
        this.annotations = b.annotations;
        this.ids = new ArrayList<>(b.annotations.images().keySet());
        this.size = b.size;
        this.encoder = b.encoder;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The annotations (ground truth for {@code labkit.train.CocoEvaluator}). */
    public CocoAnnotations annotations() {
        return annotations;
    }

    /** Image id of record {@code index}. */
    public long imageId(int index) {
        return ids.get(index);
    }

    /** Side of the network input. */
    public int inputSize() {
        return size;
    }

    /** The 3×size×size input of record {@code index}. */
    public NDArray image(NDManager manager, int index) {
        long id = ids.get(index);
        Path file = imageDir.resolve(annotations.images().get(id));
        BufferedImage img;
        try {
            img = ImageIO.read(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read image " + file, e);
        }
        if (img == null) {
            throw new IllegalArgumentException("not an image file: " + file + " (image id " + id + ")");
        }
        BufferedImage r = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = r.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(img, 0, 0, size, size, null);
        g.dispose();
        float[] v = new float[3 * size * size];
        int plane = size * size;
        for (int y = 0; y < size; y++) {
            for (int x = 0; x < size; x++) {
                int rgb = r.getRGB(x, y);
                v[y * size + x] = ((rgb >> 16 & 255) / 127.5f) - 1;
                v[plane + y * size + x] = ((rgb >> 8 & 255) / 127.5f) - 1;
                v[2 * plane + y * size + x] = ((rgb & 255) / 127.5f) - 1;
            }
        }
        return manager.create(v, new Shape(3, size, size));
    }

    /** Normalized {cx, cy, w, h} boxes and category ids of record {@code index} (crowd boxes left out). */
    public Object[] boxes(int index) {
        long id = ids.get(index);
        int[] wh = annotations.sizes().get(id);
        List<BoxAnnotation> anns = new ArrayList<>();
        for (BoxAnnotation a : annotations.of(id)) {
            if (!a.crowd()) {
                anns.add(a);
            }
        }
        if (wh[0] <= 0 || wh[1] <= 0) {
            throw new IllegalArgumentException("image " + id + " has no width/height in the annotation file");
        }
        float[][] b = new float[anns.size()][];
        int[] c = new int[anns.size()];
        for (int i = 0; i < b.length; i++) {
            BoxAnnotation a = anns.get(i);
            b[i] = new float[] {(float) ((a.x() + a.width() / 2) / wh[0]), (float) ((a.y() + a.height() / 2) / wh[1]),
                (float) (a.width() / wh[0]), (float) (a.height() / wh[1])};
            c[i] = a.categoryId();
        }
        return new Object[] {b, c};
    }

    @Override
    public Record get(NDManager manager, long index) {
        int i = Math.toIntExact(index);
        Object[] bc = boxes(i);
        return new Record(new NDList(image(manager, i)), encoder.encode(manager, (float[][]) bc[0], (int[]) bc[1]));
    }

    @Override
    protected long availableSize() {
        return ids.size();
    }

    @Override
    public void prepare(Progress progress) {
        // images are read on demand
    }

    /** Builder: annotations + image folder, input size, target encoder, DJL sampling. */
    public static final class Builder extends BaseBuilder<Builder> {
        private Path imageDir;
        private CocoAnnotations annotations;
        private int size = 128;
        private TargetEncoder encoder;

        @Override
        protected Builder self() {
            return this;
        }

        /** A COCO instances file and the folder its {@code file_name}s are relative to. */
        public Builder coco(Path annotationFile, Path imageDir) {
            this.annotations = CocoAnnotations.read(annotationFile);
            this.imageDir = imageDir;
            return this;
        }

        /** Annotations already read (e.g. from {@code SyntheticDetection.write}) and their image folder. */
        public Builder annotations(CocoAnnotations a, Path imageDir) {
            this.annotations = a;
            this.imageDir = imageDir;
            return this;
        }

        public Builder size(int s) {
            if (s < 32) {
                throw new IllegalArgumentException("input size must be >= 32, got " + s);
            }
            this.size = s;
            return this;
        }

        public Builder encoder(TargetEncoder e) {
            this.encoder = e;
            return this;
        }

        public DetectionDataset build() {
            if (annotations == null || encoder == null) {
                throw new IllegalArgumentException("DetectionDataset needs coco(...)/annotations(...) and encoder(...)");
            }
            if (!Files.isDirectory(imageDir)) {
                throw new IllegalArgumentException("image folder " + imageDir + " does not exist");
            }
            if (sampler == null) {
                setSampling(16, true);
            }
            return new DetectionDataset(this);
        }
    }
}
