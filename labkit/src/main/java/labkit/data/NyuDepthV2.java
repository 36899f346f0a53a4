package labkit.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.util.Progress;
import java.awt.image.BufferedImage;
import java.awt.image.Raster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import labkit.Seedable;
import labkit.image.Images;
import labkit.image.Resample;

/**
 * NYU Depth v2 as students download it from Kaggle (the {@code nyu_data} folder): {@code data/nyu2_train.csv} and
 * {@code data/nyu2_test.csv} list "RGB path,depth path" rows (no header, paths relative to {@code nyu_data}).
 * Depth PNGs come in two encodings, recognised by their bit depth: 8-bit (the training set; value·10 m/255) and
 * 16-bit millimetres (the test set). {@link labkit.data.synthetic.DepthScenes} writes the same layout offline.
 *
 * <p>Each record is (image 3×S×S float32, depth 1×D×D float32): the RGB image resized to S×S (default 224) and
 * the depth to D×D (default 56), both with antialiased bilinear interpolation ({@link Resample}, as torchvision's
 * {@code Resize}), the image scaled to [0, 1] and normalised with ImageNet's mean/std (for EfficientNet) unless
 * told otherwise, the depth divided by the maximum depth (default 10 m) and clipped to [0, 1]. An optional
 * {@link Augment} flips image and depth together and colour-jitters the image only. A depth PNG must be one
 * grey channel of the RGB image's size; anything else is an error naming both files (never a silent resize).
 *
 * <pre>{@code
 * NyuDepthV2 train = NyuDepthV2.builder().root(Path.of("nyu_data")).split(NyuDepthV2.Split.TRAIN)
 *         .augment(NyuDepthV2.Augment.standard(42)).setSampling(8, true).build();
 * }</pre>
 */
public final class NyuDepthV2 extends RandomAccessDataset implements Seedable {

    /** ImageNet channel means (torchvision's Normalize for ImageNet-trained backbones). */
    public static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    /** ImageNet channel standard deviations. */
    public static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** Which list of the Kaggle set to read. */
    public enum Split {
        TRAIN("nyu2_train.csv"), TEST("nyu2_test.csv");

        private final String csv;

        Split(String csv) {
            this.csv = csv;
        }

        /** The CSV file name inside {@code data/}. */
        public String csv() {
            return csv;
        }
    }

    /** One CSV row: the RGB file and the depth file (absolute), with the CSV line it came from. */
    public record Pair(Path rgb, Path depth, int line) {}

    /** A train/validation pair made by {@link #split(double, long)} (both keep this augmentation: call
     * {@link #withAugment} with {@code null} on the validation part). */
    public record Parts(NyuDepthV2 train, NyuDepthV2 validation) {}

    /** A sample for display: the resized RGB image and the normalised depth (D×D, row-major), never augmented. */
    public record Preview(BufferedImage rgb, float[] depth, int depthSize) {}

    private final Builder settings;
    private final List<Pair> pairs;
    private final Augment augment;
    private Random random;

    private NyuDepthV2(Builder b, List<Pair> pairs, Augment augment) {
        super(b);
        this.settings = b;
        this.pairs = List.copyOf(pairs);
        this.augment = augment;
        this.random = augment == null ? null : new Random(augment.seed());
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The rows read, in record order. */
    public List<Pair> pairs() { return pairs; }
    public Path root() { return settings.root; }
    public Split split() { return settings.split; }
    public float maxDepth() { return settings.maxDepth; }
    public int imageSize() { return settings.imageSize; }
    public int depthSize() { return settings.depthSize; }
    /** The augmentation, or {@code null}. */
    public Augment augment() { return augment; }

    /** A copy (same rows, sampling and options) with another augmentation ({@code null} for none). */
    public NyuDepthV2 withAugment(Augment augment) {
        return new NyuDepthV2(settings, pairs, augment);
    }

    /** The first {@code n} rows after a seeded shuffle (all when {@code n >= size()}). */
    public NyuDepthV2 subset(int n, long seed) {
        List<Pair> shuffled = new ArrayList<>(pairs);
        Collections.shuffle(shuffled, new Random(seed));
        return new NyuDepthV2(settings, shuffled.subList(0, Math.min(Math.max(n, 0), shuffled.size())), augment);
    }

    /** A seeded train/validation split; {@code trainFraction} of the rows (at least one each side) go to training. */
    public Parts split(double trainFraction, long seed) {
        if (!(trainFraction > 0 && trainFraction < 1)) {
            throw new IllegalArgumentException("trainFraction must be in (0, 1), got " + trainFraction);
        }
        if (pairs.size() < 2) {
            throw new IllegalArgumentException("need at least 2 rows to split, got " + pairs.size());
        }
        List<Pair> shuffled = new ArrayList<>(pairs);
        Collections.shuffle(shuffled, new Random(seed));
        int n = Math.max(1, Math.min(shuffled.size() - 1, (int) Math.floor(trainFraction * shuffled.size())));
        return new Parts(new NyuDepthV2(settings, shuffled.subList(0, n), augment),
                new NyuDepthV2(settings, shuffled.subList(n, shuffled.size()), augment));
    }

    @Override
    public Record get(NDManager manager, long index) throws IOException {
        Pair p = pairs.get(Math.toIntExact(index));
        int s = settings.imageSize;
        int d = settings.depthSize;
        BufferedImage rgbImage = Images.readBufferedImage(p.rgb());
        float[] rgb = resizedRgb(rgbImage);
        float[] depth = resizedDepth(p, rgbImage);
        if (augment != null) {
            augment.apply(rgb, s, depth, d, draw());
        }
        if (settings.mean != null) {
            int plane = s * s;
            for (int c = 0; c < 3; c++) {
                float m = settings.mean[c];
                float sd = settings.std[c];
                for (int i = c * plane; i < (c + 1) * plane; i++) {
                    rgb[i] = (rgb[i] - m) / sd;
                }
            }
        }
        NDArray image = manager.create(rgb, new Shape(3, s, s));
        NDArray target = manager.create(depth, new Shape(1, d, d));
        return new Record(new NDList(image), new NDList(target));
    }

    /** Row {@code index} for display: resized RGB and normalised depth, without augmentation. */
    public Preview preview(int index) throws IOException {
        Pair p = pairs.get(index);
        int s = settings.imageSize;
        BufferedImage rgbImage = Images.readBufferedImage(p.rgb());
        float[] rgb = resizedRgb(rgbImage);
        int[] packed = new int[s * s];
        for (int i = 0; i < packed.length; i++) {
            int v = 0;
            for (int c = 0; c < 3; c++) {
                v = (v << 8) | Math.round(Math.max(0f, Math.min(1f, rgb[c * s * s + i])) * 255f);
            }
            packed[i] = v;
        }
        BufferedImage img = new BufferedImage(s, s, BufferedImage.TYPE_INT_RGB);
        img.setRGB(0, 0, s, s, packed, 0, s);
        return new Preview(img, resizedDepth(p, rgbImage), settings.depthSize);
    }

    /**
     * Restarts the augmentation's random stream from {@code seed} (no effect without augmentation); call it at the
     * start of every epoch with a seed derived from (run seed, epoch) so a resumed run sees the same samples.
     */
    @Override
    public synchronized void reseed(long seed) {
        if (augment != null) {
            random = new Random(seed);
        }
    }

    private synchronized Augment.Draw draw() {
        return augment.draw(random);
    }

    private float[] resizedRgb(BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        float[] planar = new float[3 * w * h];
        int plane = w * h;
        for (int i = 0; i < plane; i++) {
            int v = argb[i];
            planar[i] = ((v >> 16) & 0xFF) / 255f;
            planar[plane + i] = ((v >> 8) & 0xFF) / 255f;
            planar[2 * plane + i] = (v & 0xFF) / 255f;
        }
        return Resample.bilinear(planar, 3, h, w, settings.imageSize, settings.imageSize);
    }

    private float[] resizedDepth(Pair p, BufferedImage rgb) throws IOException {
        Raster r = readDepthRaster(p.depth());
        if (r.getWidth() != rgb.getWidth() || r.getHeight() != rgb.getHeight()) {
            throw new IOException("depth image " + p.depth().toAbsolutePath() + " is " + r.getWidth() + "x"
                    + r.getHeight() + " but its RGB image " + p.rgb().toAbsolutePath() + " is " + rgb.getWidth() + "x"
                    + rgb.getHeight() + " (CSV line " + p.line() + "); depth and image must be the same size, pixel for"
                    + " pixel: is the row pairing the wrong files?");
        }
        float[] metres = depthMetres(r, settings.eightBitFullScale, p.depth());
        float[] norm = new float[metres.length];
        for (int i = 0; i < norm.length; i++) {
            norm[i] = Math.max(0f, Math.min(1f, metres[i] / settings.maxDepth));
        }
        return Resample.bilinear(norm, 1, r.getHeight(), r.getWidth(), settings.depthSize, settings.depthSize);
    }

    /** Reads a depth PNG and returns metres, row-major, decoding 8-bit (·fullScale/255) or 16-bit (mm) files. */
    public static float[] readDepthMetres(Path file, float eightBitFullScale) throws IOException {
        return depthMetres(readDepthRaster(file), eightBitFullScale, file);
    }

    private static Raster readDepthRaster(Path file) throws IOException {
        BufferedImage img = Images.readBufferedImage(file);
        Raster r = img.getRaster();
        if (r.getNumBands() != 1 || img.getColorModel() instanceof java.awt.image.IndexColorModel) {
            throw new IOException("depth image " + file.toAbsolutePath() + " has " + (r.getNumBands() == 1
                    ? "a colour palette" : r.getNumBands() + " channels") + "; expected a single-channel (grey) 8-bit"
                    + " or 16-bit PNG, as in the Kaggle set: is it an RGB image or a colour-mapped preview?");
        }
        return r;
    }

    private static float[] depthMetres(Raster r, float eightBitFullScale, Path file) throws IOException {
        int bits = r.getSampleModel().getSampleSize(0);
        int w = r.getWidth();
        int h = r.getHeight();
        int[] v = r.getSamples(0, 0, w, h, 0, (int[]) null);
        float[] out = new float[v.length];
        if (bits == 8) {
            float k = eightBitFullScale / 255f;
            for (int i = 0; i < v.length; i++) {
                out[i] = v[i] * k;
            }
        } else if (bits == 16) {
            for (int i = 0; i < v.length; i++) {
                out[i] = v[i] / 1000f;
            }
        } else {
            throw new IOException("depth image " + file.toAbsolutePath() + " has " + bits + "-bit samples; expected an"
                    + " 8-bit (training: 255 = " + eightBitFullScale + " m) or 16-bit (test: millimetres) PNG");
        }
        return out;
    }

    @Override
    protected long availableSize() {
        return pairs.size();
    }

    @Override
    public void prepare(Progress progress) {
        // rows are read and checked when the dataset is built
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "NyuDepthV2(%s, %s, %d pairs, image %d², depth %d², max depth %.1f m%s)",
                settings.root, settings.split, pairs.size(), settings.imageSize, settings.depthSize, settings.maxDepth,
                augment == null ? "" : ", " + augment);
    }

    /** Reads and checks a Kaggle CSV: every row must name two existing files. */
    static List<Pair> readCsv(Path base, Path csv) throws IOException {
        List<String> lines = Files.readAllLines(csv, StandardCharsets.UTF_8);
        List<Pair> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty()) {
                continue;
            }
            String[] f = line.split(",");
            if (f.length != 2 || f[0].isBlank() || f[1].isBlank()) {
                throw new IOException(csv.toAbsolutePath() + " line " + (i + 1) + ": expected 'rgb path,depth path', got '"
                        + line + "'");
            }
            Path rgb = base.resolve(f[0].strip()).normalize();
            Path depth = base.resolve(f[1].strip()).normalize();
            for (Path file : new Path[] {rgb, depth}) {
                if (!Files.isRegularFile(file)) {
                    throw new NoSuchFileException(file.toAbsolutePath().toString(), null,
                            csv.getFileName() + " line " + (i + 1) + " names " + (file == rgb ? "RGB" : "depth")
                                    + " file " + (file == rgb ? f[0] : f[1]).strip() + ", which is missing; unzip the"
                                    + " complete Kaggle nyu_data folder (or remove the row from " + csv.toAbsolutePath()
                                    + ")");
                }
            }
            out.add(new Pair(rgb, depth, i + 1));
        }
        if (out.isEmpty()) {
            throw new IOException(csv.toAbsolutePath() + " lists no image pairs");
        }
        return out;
    }

    /**
     * Paired augmentation for depth: a horizontal flip of image and depth together (probability {@code flip}),
     * then torchvision-style {@code ColorJitter(brightness, contrast, saturation, hue)} on the image only (factors
     * drawn uniformly from [max(0, 1-x), 1+x], hue shift from [-hue, hue], the four applied in a random order),
     * seeded: the same seed and the same order of reads give the same samples.
     */
    public record Augment(double flip, float brightness, float contrast, float saturation, float hue, long seed) {
        public Augment {
            if (flip < 0 || flip > 1 || brightness < 0 || contrast < 0 || saturation < 0 || hue < 0 || hue > 0.5f) {
                throw new IllegalArgumentException("Augment: flip in [0,1], jitter strengths >= 0 and hue in [0, 0.5];"
                        + " got flip=" + flip + ", brightness=" + brightness + ", contrast=" + contrast
                        + ", saturation=" + saturation + ", hue=" + hue);
            }
        }

        /** The course's choice: flip with probability 0.5, ColorJitter(0.2, 0.2, 0.2, 0.05). */
        public static Augment standard(long seed) {
            return new Augment(0.5, 0.2f, 0.2f, 0.2f, 0.05f, seed);
        }

        /** The random choices for one sample. */
        record Draw(boolean flip, float b, float c, float s, float h, int[] order) {}

        Draw draw(Random rng) {
            boolean f = rng.nextDouble() < flip;
            float b = factor(rng, brightness);
            float c = factor(rng, contrast);
            float s = factor(rng, saturation);
            float h = hue == 0 ? 0 : (float) ((rng.nextDouble() * 2 - 1) * hue);
            int[] order = {0, 1, 2, 3};
            for (int i = 3; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            return new Draw(f, b, c, s, h, order);
        }

        private static float factor(Random rng, float x) {
            if (x == 0) {
                return 1f;
            }
            double lo = Math.max(0, 1 - x);
            return (float) (lo + rng.nextDouble() * (1 + x - lo));
        }

        /** Applies one draw to a planar RGB image (3×s×s in [0, 1]) and its depth (d×d). */
        void apply(float[] rgb, int s, float[] depth, int d, Draw draw) {
            if (draw.flip()) {
                for (int c = 0; c < 3; c++) {
                    flipRows(rgb, c * s * s, s, s);
                }
                flipRows(depth, 0, d, d);
            }
            for (int op : draw.order()) {
                switch (op) {
                    case 0: if (draw.b() != 1f) { brightness(rgb, draw.b()); } break;
                    case 1: if (draw.c() != 1f) { contrast(rgb, s * s, draw.c()); } break;
                    case 2: if (draw.s() != 1f) { saturation(rgb, s * s, draw.s()); } break;
                    default: if (draw.h() != 0f) { hue(rgb, s * s, draw.h()); }
                }
            }
        }

        private static void flipRows(float[] a, int offset, int h, int w) {
            for (int y = 0; y < h; y++) {
                int row = offset + y * w;
                for (int x = 0; x < w / 2; x++) {
                    float t = a[row + x];
                    a[row + x] = a[row + w - 1 - x];
                    a[row + w - 1 - x] = t;
                }
            }
        }

        private static float clip(float v) {
            return v < 0f ? 0f : (v > 1f ? 1f : v);
        }

        private static float gray(float[] a, int plane, int i) {
            return 0.2989f * a[i] + 0.587f * a[plane + i] + 0.114f * a[2 * plane + i];
        }

        private static void brightness(float[] a, float f) {
            for (int i = 0; i < a.length; i++) {
                a[i] = clip(a[i] * f);
            }
        }

        private static void contrast(float[] a, int plane, float f) {
            double sum = 0;
            for (int i = 0; i < plane; i++) {
                sum += gray(a, plane, i);
            }
            float mean = (float) (sum / plane);
            for (int i = 0; i < a.length; i++) {
                a[i] = clip(f * a[i] + (1 - f) * mean);
            }
        }

        private static void saturation(float[] a, int plane, float f) {
            for (int i = 0; i < plane; i++) {
                float g = gray(a, plane, i);
                for (int c = 0; c < 3; c++) {
                    int k = c * plane + i;
                    a[k] = clip(f * a[k] + (1 - f) * g);
                }
            }
        }

        private static void hue(float[] a, int plane, float shift) {
            float[] hsv = new float[3];
            for (int i = 0; i < plane; i++) {
                java.awt.Color.RGBtoHSB(Math.round(a[i] * 255), Math.round(a[plane + i] * 255),
                        Math.round(a[2 * plane + i] * 255), hsv);
                float h = hsv[0] + shift;
                h -= (float) Math.floor(h);
                int rgb = java.awt.Color.HSBtoRGB(h, hsv[1], hsv[2]);
                a[i] = ((rgb >> 16) & 0xFF) / 255f;
                a[plane + i] = ((rgb >> 8) & 0xFF) / 255f;
                a[2 * plane + i] = (rgb & 0xFF) / 255f;
            }
        }
    }

    /** Builder: the {@code nyu_data} folder, the split, sizes, maximum depth, normalisation, augmentation. */
    public static final class Builder extends BaseBuilder<Builder> {
        private Path root;
        private Split split = Split.TRAIN;
        private float maxDepth = 10f;
        private float eightBitFullScale = 10f;
        private int imageSize = 224;
        private int depthSize = 56;
        private float[] mean = IMAGENET_MEAN;
        private float[] std = IMAGENET_STD;
        private Augment augment;

        @Override
        protected Builder self() {
            return this;
        }

        /** The Kaggle {@code nyu_data} folder (holding {@code data/nyu2_train.csv}); its {@code data} folder works too. */
        public Builder root(Path root) { this.root = root; return this; }
        public Builder split(Split split) { this.split = split; return this; }
        /** Depth that maps to 1.0 (metres, default 10); deeper values are clipped. */
        public Builder maxDepth(float metres) {
            if (!(metres > 0)) {
                throw new IllegalArgumentException("maxDepth must be > 0 metres, got " + metres);
            }
            this.maxDepth = metres;
            return this;
        }
        /** Depth of the value 255 in 8-bit depth PNGs (default 10 m, the Kaggle training encoding). */
        public Builder eightBitFullScale(float metres) {
            if (!(metres > 0)) {
                throw new IllegalArgumentException("eightBitFullScale must be > 0 metres, got " + metres);
            }
            this.eightBitFullScale = metres;
            return this;
        }
        /** Side of the square input image (default 224). */
        public Builder imageSize(int s) { this.imageSize = positive("imageSize", s); return this; }
        /** Side of the square depth target (default 56). */
        public Builder depthSize(int s) { this.depthSize = positive("depthSize", s); return this; }
        /** Per-channel normalisation after scaling to [0, 1] (default ImageNet's). */
        public Builder normalize(float[] mean, float[] std) {
            if (mean == null || std == null || mean.length != 3 || std.length != 3) {
                throw new IllegalArgumentException("normalize needs 3 means and 3 standard deviations");
            }
            this.mean = mean.clone();
            this.std = std.clone();
            return this;
        }
        /** Keep the image in [0, 1]. */
        public Builder noNormalize() { this.mean = null; this.std = null; return this; }
        /** Paired augmentation ({@code null}: none, the default). */
        public Builder augment(Augment augment) { this.augment = augment; return this; }

        private static int positive(String name, int v) {
            if (v < 1) {
                throw new IllegalArgumentException(name + " must be >= 1, got " + v);
            }
            return v;
        }

        /**
         * Reads and checks the CSV; every listed file must exist (the error names the first missing one). Without
         * {@code setSampling} the dataset is read in shuffled batches of 8 (the course's depth batch size).
         */
        public NyuDepthV2 build() throws IOException {
            if (root == null) {
                throw new IllegalArgumentException("NyuDepthV2: set root(...) to the Kaggle nyu_data folder (the one"
                        + " holding data/nyu2_train.csv), or write a synthetic one with DepthScenes");
            }
            Path base = root;
            Path csv = root.resolve("data").resolve(split.csv());
            if (!Files.isRegularFile(csv) && Files.isRegularFile(root.resolve(split.csv()))
                    && root.toAbsolutePath().getParent() != null) {
                csv = root.resolve(split.csv());
                base = root.toAbsolutePath().getParent();
            }
            if (!Files.isRegularFile(csv)) {
                throw new NoSuchFileException(root.resolve("data").resolve(split.csv()).toAbsolutePath().toString(), null,
                        "no " + split.csv() + " under " + root.toAbsolutePath() + "; root must be the Kaggle nyu_data"
                                + " folder (with data/nyu2_train.csv and data/nyu2_test.csv)");
            }
            if (sampler == null) {
                setSampling(8, true);
            }
            return new NyuDepthV2(this, readCsv(base, csv), augment);
        }
    }
}
