package labkit.data;

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
 * with {@code yOnly(false)}. Crops and degradations are drawn from a {@link Random} seeded by (seed, index), so
 * a record is the same every time it is read.
 */
public final class SuperResolutionDataset extends RandomAccessDataset {

    /** One pair as H×W×3 uint8 RGB images (before the tensor conversion), with the degradation used. */
    public record Pair(NDArray hr, NDArray lr, Degradation.Params params) {}

    private final List<Path> files;
    private final Degradation degradation;
    private final int patch;
    private final boolean yOnly;
    private final long seed;

    private SuperResolutionDataset(Builder b, List<Path> files) {
        super(b);
        this.files = List.copyOf(files);
        this.degradation = b.degradation;
        this.patch = b.patch;
        this.yOnly = b.yOnly;
        this.seed = b.seed;
    }

    public static Builder builder() {
        return new Builder();
    }

    public List<Path> files() { return files; }
    public Degradation degradation() { return degradation; }
    public int scale() { return degradation.scale(); }

    /** Reads, crops and degrades image {@code index}: the pair as uint8 RGB images. */
    public Pair pair(NDManager manager, int index) throws IOException {
        Path f = files.get(index);
        NDArray img = ImageFolderDataset.readImage(f, manager);
        Random rng = new Random(seed * 1_000_003L + index);
        int s = degradation.scale();
        long h = img.getShape().get(0);
        long w = img.getShape().get(1);
        NDArray hr;
        if (patch > 0) {
            if (h < patch || w < patch) {
                throw new IllegalArgumentException("image " + f + " is " + w + "×" + h + ", smaller than the patch size "
                        + patch + "; use a smaller patch(...) or larger images");
            }
            int y0 = rng.nextInt((int) (h - patch + 1));
            int x0 = rng.nextInt((int) (w - patch + 1));
            hr = img.get(new NDIndex("{}:{}, {}:{}, :", y0, y0 + patch, x0, x0 + patch));
        } else {
            long hh = h / s * s;
            long ww = w / s * s;
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
        return files.size();
    }

    @Override
    public void prepare(Progress progress) {}

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "SuperResolutionDataset(%d images, patch %s, %s, %s)", files.size(),
                patch > 0 ? patch + "px" : "whole", yOnly ? "Y only" : "RGB", degradation);
    }

    /** Builder: HR folder or files, degradation (default {@link Degradation#builder()}), patch, Y-only, seed. */
    public static final class Builder extends BaseBuilder<Builder> {
        private List<Path> files;
        private Degradation degradation = Degradation.builder().build();
        private int patch;
        private boolean yOnly = true;
        private long seed;

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

        public SuperResolutionDataset build() {
            if (files == null || files.isEmpty()) {
                throw new IllegalArgumentException("SuperResolutionDataset: call folder(path) or files(list) with HR images");
            }
            if (patch < 0 || patch % degradation.scale() != 0) {
                throw new IllegalArgumentException("patch must be 0 or a positive multiple of the scale "
                        + degradation.scale() + ", got " + patch);
            }
            if (sampler == null) {
                setSampling(8, true);
            }
            return new SuperResolutionDataset(this, files);
        }
    }
}
