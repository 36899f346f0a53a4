package labkit.data;

import labkit.EpochAware;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.stream.Stream;
import labkit.image.YCbCr;

/**
 * Low-/high-resolution pairs made on the fly from a folder of high-resolution images: each HR image is cropped
 * (a random {@code patch}×{@code patch} square, or the whole image trimmed to a multiple of the scale) and
 * degraded into its LR partner by a {@link Degradation} (blur, ↓scale bicubic, noise, JPEG). Records are
 * (LR, HR) as float32 in [0, 1]: 1×h×w and 1×(s·h)×(s·w) luma (Y of BT.601 YCbCr) by default, or 3-channel RGB
 * with {@code yOnly(false)}. Crops and degradations are drawn from a {@link Random} seeded by (seed, epoch, index),
 * so a record is the same every time it is read in the same epoch.
 *
 * <p>For training, {@code patchesPerImage(n)} makes each image give {@code n} records (different random crops) per
 * epoch, {@link #setEpoch(int)} (called by {@code Task4.train} at every epoch start) draws new crops and
 * degradations each epoch, and {@code flips(true)} applies one of the 8 flips/90° rotations to each HR patch, as
 * EDSR trains. Decoded images are kept in memory when {@code patchesPerImage > 1}.
 */
public final class SuperResolutionDataset extends RandomAccessDataset implements EpochAware {

    /** One pair as H×W×3 uint8 RGB images (before the tensor conversion), with the degradation used. */
    public record Pair(NDArray hr, NDArray lr, Degradation.Params params) {}

    private final List<Path> files;
    private final Degradation degradation;
    private final int patch;
    private final boolean yOnly;
    private final long seed;
    private final int patchesPerImage;
    private final boolean flips;
    private final java.util.Map<Integer, byte[]> cache = new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.Map<Integer, long[]> cachedShapes = new java.util.concurrent.ConcurrentHashMap<>();
    private final int trim;
    private final boolean centred;
    private volatile int epoch;

    private SuperResolutionDataset(Builder b, List<Path> files) {
        super(b);
        this.files = List.copyOf(files);
        this.degradation = b.degradation;
        this.patch = b.patch;
        this.yOnly = b.yOnly;
        this.seed = b.seed;
        this.patchesPerImage = b.patchesPerImage;
        this.flips = b.flips;
        this.trim = b.trim == 0 ? b.degradation.scale() : b.trim;
        this.centred = b.centred;
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<Path> files() { return files; }
    public Degradation degradation() { return degradation; }
    public int scale() { return degradation.scale(); }
    /** Records (random crops) per image and epoch. */
    public int patchesPerImage() { return patchesPerImage; }

    /** Called by {@code Fit} at every epoch start: the same as {@link #setEpoch(int)}. */
    @Override
    public void startEpoch(int epoch) {
        setEpoch(epoch);
    }

    /**
     * Selects the epoch whose crops and degradations the records show (epoch 0 is the default). With one patch per
     * image and no flips the records stay those of epoch 0 (the first version's fixed patches).
     */
    public SuperResolutionDataset setEpoch(int epoch) {
        this.epoch = patchesPerImage > 1 || flips ? epoch : 0;
        return this;
    }

    /** The image file record {@code index} is cut from. */
    public Path fileOf(long index) {
        return files.get(Math.toIntExact(index % files.size()));
    }

    private NDArray read(NDManager manager, int image) throws IOException {
        if (patchesPerImage <= 1) {
            return ImageFolderDataset.readImage(files.get(image), manager);
        }
        byte[] bytes = cache.get(image);
        if (bytes == null) {
            try (NDManager tmp = manager.newSubManager()) {
                NDArray img = ImageFolderDataset.readImage(files.get(image), tmp);
                bytes = img.toType(DataType.UINT8, false).toByteArray();
                cachedShapes.put(image, img.getShape().getShape());
                cache.put(image, bytes);
            }
        }
        return manager.create(java.nio.ByteBuffer.wrap(bytes), new ai.djl.ndarray.types.Shape(cachedShapes.get(image)),
                DataType.UINT8);
    }

    /** Reads, crops and degrades record {@code index}: the pair as uint8 RGB images. */
    public Pair pair(NDManager manager, int index) throws IOException {
        int image = index % files.size();
        Path f = files.get(image);
        NDArray img = read(manager, image);
        Random rng = new Random(epoch == 0 ? seed * 1_000_003L + index
                : (seed * 1_000_003L + index) * 0x9E3779B97F4A7C15L + epoch);
        int s = degradation.scale();
        long h = img.getShape().get(0);
        long w = img.getShape().get(1);
        NDArray hr;
        if (patch > 0) {
            if (h < patch || w < patch) {
                throw new IllegalArgumentException("image " + f + " is " + w + "×" + h + ", smaller than the patch size "
                        + patch + "; use a smaller patch(...) or larger images");
            }
            int y0 = centred ? (int) (h - patch) / 2 : rng.nextInt((int) (h - patch + 1));
            int x0 = centred ? (int) (w - patch) / 2 : rng.nextInt((int) (w - patch + 1));
            hr = img.get(new NDIndex("{}:{}, {}:{}, :", y0, y0 + patch, x0, x0 + patch));
            if (flips) {
                int t = rng.nextInt(8);
                if ((t & 1) != 0) {
                    hr = hr.flip(1);
                }
                if ((t & 2) != 0) {
                    hr = hr.flip(0);
                }
                if ((t & 4) != 0) {
                    hr = hr.transpose(1, 0, 2);
                }
                hr = hr.duplicate();
            }
        } else {
            long hh = h / trim * trim;
            long ww = w / trim * trim;
            if (hh == 0 || ww == 0) {
                throw new IllegalArgumentException("image " + f + " is smaller than the scale " + s);
            }
            hr = img.get(new NDIndex("0:{}, 0:{}, :", hh, ww));
        }
        Degradation.Params p = degradation.sample(rng);
        return new Pair(hr, Degradation.apply(hr, p, rng), p);
    }

    /** An H×W×3 uint8 image as a 1×H×W (Y) or 3×H×W float tensor in [0, 1]. */
    public static NDArray toTensor(NDArray rgb, boolean yOnly) {
        NDArray x = rgb.toType(DataType.FLOAT32, false).div(255f).transpose(2, 0, 1);
        return yOnly ? YCbCr.y(x, 0) : x;
    }

    @Override
    public Record get(NDManager manager, long index) throws IOException {
        Pair p = pair(manager, Math.toIntExact(index));
        return new Record(new NDList(toTensor(p.lr(), yOnly)), new NDList(toTensor(p.hr(), yOnly)));
    }

    @Override
    protected long availableSize() {
        return (long) files.size() * (patch > 0 ? patchesPerImage : 1);
    }

    @Override
    public void prepare(Progress progress) {}

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "SuperResolutionDataset(%d images, patch %s%s%s, %s, %s)", files.size(),
                patch > 0 ? patch + "px" : "whole", patch > 0 && patchesPerImage > 1 ? " ×" + patchesPerImage + " per image" : "",
                patch > 0 && flips ? ", flips" : "", yOnly ? "Y only" : "RGB", degradation);
    }

    /** Builder: HR folder or files, degradation (default {@link Degradation#builder()}), patch, Y-only, seed. */
    public static final class Builder extends BaseBuilder<Builder> {
        private List<Path> files;
        private Degradation degradation = Degradation.builder().build();
        private int patch;
        private boolean yOnly = true;
        private long seed;
        private int patchesPerImage = 1;
        private boolean flips;
        private int trim;
        private boolean centred;

        @Override
        protected Builder self() { return this; }

        /** All images (PNG/JPEG/BMP/GIF) directly in {@code folder}, sorted by name. */
        public Builder folder(Path folder) {
            if (!Files.isDirectory(folder)) {
                throw new IllegalArgumentException("HR image folder does not exist: " + folder.toAbsolutePath()
                        + " (make one with labkit.data.synthetic.SegmentationShapes.write and use its images/)");
            }
            try (Stream<Path> s = Files.list(folder)) {
                this.files = s.filter(ImageFolderDataset::isImageFile).sorted().toList();
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + folder, e);
            }
            if (files.isEmpty()) {
                throw new IllegalArgumentException("HR image folder " + folder.toAbsolutePath() + " has no images");
            }
            return this;
        }

        public Builder files(List<Path> files) { this.files = List.copyOf(files); return this; }
        public Builder degradation(Degradation d) { this.degradation = d; return this; }
        /** HR patch size in pixels (a multiple of the scale); 0 = whole images. */
        public Builder patch(int p) { this.patch = p; return this; }
        public Builder yOnly(boolean y) { this.yOnly = y; return this; }
        public Builder seed(long s) { this.seed = s; return this; }
        /** Random crops per image and epoch (default 1; needs {@code patch > 0}). */
        public Builder patchesPerImage(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("patchesPerImage must be >= 1, got " + n);
            }
            this.patchesPerImage = n;
            return this;
        }
        /**
         * Whole images ({@code patch(0)}) are trimmed to a multiple of {@code multiple} (a multiple of the scale;
         * default the scale), e.g. 24 so that ×3 LR sides are multiples of 8.
         */
        public Builder trim(int multiple) { this.trim = multiple; return this; }
        /** Cut the patch from the image's centre instead of a random place (held-out sets of real photos). */
        public Builder centred(boolean c) { this.centred = c; return this; }
        /** One of the 8 flips / 90° rotations per HR patch, drawn per record (default off). */
        public Builder flips(boolean f) { this.flips = f; return this; }

        public SuperResolutionDataset build() {
            if (files == null || files.isEmpty()) {
                throw new IllegalArgumentException("SuperResolutionDataset: call folder(path) or files(list) with HR images");
            }
            if (patch < 0 || patch % degradation.scale() != 0) {
                throw new IllegalArgumentException("patch must be 0 or a positive multiple of the scale "
                        + degradation.scale() + ", got " + patch);
            }
            if (trim < 0 || trim % degradation.scale() != 0) {
                throw new IllegalArgumentException("trim must be a positive multiple of the scale "
                        + degradation.scale() + ", got " + trim);
            }
            if (sampler == null) {
                setSampling(8, true);
            }
            return new SuperResolutionDataset(this, files);
        }
    }
}
