package labkit.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

/**
 * Paired images and colour masks for semantic segmentation, as a DJL dataset. Pairs come from two folders (an
 * image and its mask share the base name, e.g. {@code images/0001.jpg} ↔ {@code masks/0001.png}) or from a CSV
 * of {@code image,mask} paths (relative to the CSV's folder, optional header line {@code image,mask}). Each record is (image 3×H×W float32 in [0, 1],
 * mask): the mask is an H×W int64 class-index map, or with {@link #oneHot()} a C×H×W float32 one-hot tensor for
 * the {@link Palette}'s C classes. An optional {@link PairedAugment} warps image and mask together.
 *
 * <p>Errors name the file: a missing mask, an image/mask size mismatch, a mask colour not in the palette.
 */
public final class SegmentationDataset extends RandomAccessDataset {

    /** An image file and its mask file. */
    public record Pair(Path image, Path mask) {}

    private final List<Pair> pairs;
    private final Palette palette;
    private final PairedAugment augment;
    private final boolean oneHot;
    private final long seed;
    private final AtomicLong draws = new AtomicLong();
    private final Builder settings;

    private SegmentationDataset(Builder b, List<Pair> pairs, boolean oneHot) {
        super(b);
        this.settings = b;
        this.pairs = List.copyOf(pairs);
        this.palette = b.palette;
        this.augment = b.augment;
        this.seed = b.seed;
        this.oneHot = oneHot;
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<Pair> pairs() { return pairs; }
    public Palette palette() { return palette; }
    /** Number of classes C. */
    public int numClasses() { return palette.size(); }

    /** The same pairs whose masks come as C×H×W one-hot float32 tensors. */
    public SegmentationDataset oneHot() {
        return new SegmentationDataset(settings, pairs, true);
    }

    /** The same pairs with another augmentation ({@code null}: none), e.g. none for validation. */
    public SegmentationDataset withAugment(PairedAugment a) {
        Builder b = settings.copy();
        b.augment = a;
        return new SegmentationDataset(b, pairs, oneHot);
    }

    /** A seeded split: {@code trainFraction} of the pairs (at least one each side) and the rest. */
    public SegmentationDataset[] split(double trainFraction, long splitSeed) {
        if (!(trainFraction > 0 && trainFraction < 1) || pairs.size() < 2) {
            throw new IllegalArgumentException("split needs 0 < trainFraction < 1 and >= 2 pairs, got " + trainFraction
                    + " and " + pairs.size());
        }
        List<Pair> s = new ArrayList<>(pairs);
        Collections.shuffle(s, new Random(splitSeed));
        int n = Math.max(1, Math.min(s.size() - 1, (int) (trainFraction * s.size())));
        return new SegmentationDataset[] {new SegmentationDataset(settings, s.subList(0, n), oneHot),
                new SegmentationDataset(settings, s.subList(n, s.size()), oneHot)};
    }

    /** Reads pair {@code index} as (H×W×3 uint8 image, H×W uint8 class map), before augmentation. */
    public PairedAugment.Pair read(NDManager manager, int index) throws IOException {
        Pair p = pairs.get(index);
        NDArray img = ImageFolderDataset.readImage(p.image(), manager);
        NDArray maskRgb = ImageFolderDataset.readImage(p.mask(), manager);
        if (!img.getShape().slice(0, 2).equals(maskRgb.getShape().slice(0, 2))) {
            throw new IllegalArgumentException("image " + p.image() + " is " + img.getShape().get(1) + "×"
                    + img.getShape().get(0) + " but its mask " + p.mask() + " is " + maskRgb.getShape().get(1) + "×"
                    + maskRgb.getShape().get(0) + "; a mask must have its image's size");
        }
        return new PairedAugment.Pair(img, palette.toClassMap(maskRgb, p.mask()));
    }

    @Override
    public Record get(NDManager manager, long index) throws IOException {
        PairedAugment.Pair p = read(manager, Math.toIntExact(index));
        if (augment != null) {
            p = augment.apply(p.image(), p.mask(), new Random(seed * 1_000_003L + index * 7919L + draws.getAndIncrement()));
        }
        NDArray image = p.image().toType(DataType.FLOAT32, false).div(255f).transpose(2, 0, 1);
        NDArray mask = p.mask().toType(DataType.INT64, false);
        if (oneHot) {
            mask = oneHot(mask, palette.size());
        }
        return new Record(new NDList(image), new NDList(mask));
    }

    /** H×W class indices → C×H×W float32 one-hot. */
    public static NDArray oneHot(NDArray classMap, int classes) {
        return classMap.toType(DataType.INT64, false).oneHot(classes).transpose(2, 0, 1).toType(DataType.FLOAT32, false);
    }

    @Override
    protected long availableSize() {
        return pairs.size();
    }

    @Override
    public void prepare(Progress progress) {}

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "SegmentationDataset(%d pairs, %d classes %s%s)", pairs.size(),
                palette.size(), palette.names(), oneHot ? ", one-hot" : "");
    }

    /** Builder: folders or CSV, palette, optional augmentation and seed, DJL sampling. */
    public static final class Builder extends BaseBuilder<Builder> {
        private Path images;
        private Path masks;
        private Path csv;
        private Palette palette;
        private PairedAugment augment;
        private long seed;

        @Override
        protected Builder self() { return this; }

        /** Image and mask folders; pairs share base names. */
        public Builder folders(Path images, Path masks) { this.images = images; this.masks = masks; return this; }
        /** A CSV of {@code image,mask} paths (optional header), relative to the CSV's folder. */
        public Builder csv(Path csv) { this.csv = csv; return this; }
        public Builder palette(Palette p) { this.palette = p; return this; }
        public Builder augment(PairedAugment a) { this.augment = a; return this; }
        /** Seed of the augmentation draws. */
        public Builder seed(long s) { this.seed = s; return this; }

        Builder copy() {
            Builder b = new Builder();
            b.images = images;
            b.masks = masks;
            b.csv = csv;
            b.palette = palette;
            b.augment = augment;
            b.seed = seed;
            b.sampler = sampler;
            return b;
        }

        public SegmentationDataset build() {
            if (palette == null) {
                throw new IllegalArgumentException("SegmentationDataset: call palette(...) with the mask colours");
            }
            if (sampler == null) {
                setSampling(8, true);
            }
            List<Pair> pairs = csv != null ? fromCsv() : fromFolders();
            if (pairs.isEmpty()) {
                throw new IllegalArgumentException("SegmentationDataset: no image/mask pairs found in "
                        + (csv != null ? csv : images));
            }
            return new SegmentationDataset(this, pairs, false);
        }

        private List<Pair> fromFolders() {
            if (images == null || masks == null) {
                throw new IllegalArgumentException("SegmentationDataset: call folders(images, masks) or csv(file)");
            }
            for (Path d : new Path[] {images, masks}) {
                if (!Files.isDirectory(d)) {
                    throw new IllegalArgumentException("folder does not exist: " + d.toAbsolutePath()
                            + " (make a synthetic set with labkit.data.synthetic.SegmentationShapes.write)");
                }
            }
            List<Pair> out = new ArrayList<>();
            try (Stream<Path> s = Files.list(images)) {
                for (Path img : s.filter(ImageFolderDataset::isImageFile).sorted().toList()) {
                    out.add(new Pair(img, findMask(img)));
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + images, e);
            }
            return out;
        }

        private Path findMask(Path img) {
            String base = img.getFileName().toString().replaceFirst("\\.[^.]+$", "");
            for (String ext : ImageFolderDataset.IMAGE_EXTENSIONS) {
                Path m = masks.resolve(base + ext);
                if (Files.isRegularFile(m)) {
                    return m;
                }
            }
            throw new IllegalArgumentException("image " + img + " has no mask: expected " + masks.resolve(base + ".png")
                    + " (same base name, any of " + ImageFolderDataset.IMAGE_EXTENSIONS + ")");
        }

        private List<Pair> fromCsv() {
            List<String> lines;
            try {
                lines = Files.readAllLines(csv);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read pairs CSV " + csv.toAbsolutePath() + ": " + e.getMessage(), e);
            }
            Path dir = csv.toAbsolutePath().getParent();
            List<Pair> out = new ArrayList<>();
            for (int n = 0; n < lines.size(); n++) {
                String line = lines.get(n).trim();
                if (line.isEmpty() || (n == 0 && line.replace(" ", "").equalsIgnoreCase("image,mask"))) {
                    continue;
                }
                String[] f = line.split(",");
                if (f.length != 2) {
                    throw new IllegalArgumentException(csv + " line " + (n + 1) + ": expected 'image,mask', got '" + line + "'");
                }
                Path img = dir.resolve(f[0].trim());
                Path mask = dir.resolve(f[1].trim());
                for (Path p : new Path[] {img, mask}) {
                    if (!Files.isRegularFile(p)) {
                        throw new IllegalArgumentException(csv + " line " + (n + 1) + ": file not found: " + p);
                    }
                }
                out.add(new Pair(img, mask));
            }
            return out;
        }
    }
}
