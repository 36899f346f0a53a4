package labkit.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.translate.Transform;
import ai.djl.util.Progress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * Fashion-MNIST (Zalando): 28×28 grey photos of clothing in 10 classes, 60,000 for training and 10,000 for
 * testing, in four {@link IdxFile}s ({@code train-images-idx3-ubyte.gz}, {@code train-labels-idx1-ubyte.gz},
 * {@code t10k-…}; plain or gzip). Records come out as 28×28×1 uint8 images (then {@link #transform}) and int64
 * labels, like {@link Cifar10}. Debian's {@code dataset-fashion-mnist} package installs the files in
 * {@link #DEBIAN_FOLDER}, so a real dataset is available offline (CI installs it).
 */
public final class FashionMnist extends RandomAccessDataset {
    /** Where Debian's {@code dataset-fashion-mnist} package puts the four files. */
    public static final Path DEBIAN_FOLDER = Path.of("/usr/share/datasets/fashion-mnist");
    /** Image side. */
    public static final int SIZE = 28;
    /** The class names in label order, as the dataset's README lists them. */
    public static final List<String> CLASSES = List.of("T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
            "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot");

    private final byte[] images;
    private final byte[] labels;
    private final int count;
    private final Transform transform;

    private FashionMnist(Builder b, byte[] images, byte[] labels, int count) {
        super(b);
        this.images = images;
        this.labels = labels;
        this.count = count;
        this.transform = b.transform;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * The folder holding the files: {@code $LABKIT_FASHION_MNIST} when set, else {@link #DEBIAN_FOLDER} when it has
     * the test images; empty when neither does.
     */
    public static Optional<Path> locate() {
        String env = System.getenv("LABKIT_FASHION_MNIST");
        if (env != null && !env.isBlank()) {
            return Optional.of(Path.of(env));
        }
        return find(DEBIAN_FOLDER, "t10k-images-idx3-ubyte") != null ? Optional.of(DEBIAN_FOLDER) : Optional.empty();
    }

    /** The label of record {@code index}. */
    public int label(int index) {
        return labels[index] & 0xff;
    }

    /** Record {@code index} as a 28×28×1 uint8 image (no transform). */
    public NDArray image(NDManager manager, int index) {
        int n = SIZE * SIZE;
        return manager.create(ByteBuffer.wrap(Arrays.copyOfRange(images, index * n, index * n + n)), new Shape(SIZE, SIZE, 1), DataType.UINT8);
    }

    /** The transform applied to every image ({@code null}: raw uint8 images). */
    public Transform transform() {
        return transform;
    }

    @Override
    public Record get(NDManager manager, long index) {
        int i = Math.toIntExact(index);
        NDArray img = image(manager, i);
        if (transform != null) {
            img = transform.transform(img);
        }
        return new Record(new NDList(img), new NDList(manager.create((long) label(i))));
    }

    @Override
    protected long availableSize() {
        return count;
    }

    @Override
    public void prepare(Progress progress) {}

    private static Path find(Path folder, String stem) {
        for (String name : new String[] {stem + ".gz", stem}) {
            Path p = folder.resolve(name);
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        return null;
    }

    /** Builder: the folder, the training or test part, how many records, a transform and DJL's sampling. */
    public static final class Builder extends BaseBuilder<Builder> {
        private Path folder;
        private boolean train = true;
        private int limit = Integer.MAX_VALUE;
        private Transform transform;

        @Override
        protected Builder self() {
            return this;
        }

        /** The folder with the four IDX files (e.g. {@link FashionMnist#DEBIAN_FOLDER}). */
        public Builder folder(Path folder) { this.folder = folder; return this; }
        /** {@code true}: the 60,000 training images; {@code false}: the 10,000 test images. */
        public Builder train(boolean train) { this.train = train; return this; }
        /** Keep only the first {@code n} records (the files are in shuffled class order). */
        public Builder limit(int n) {
            if (n < 1) {
                throw new IllegalArgumentException("limit must be >= 1, got " + n);
            }
            this.limit = n;
            return this;
        }
        public Builder transform(Transform transform) { this.transform = transform; return this; }

        /** Reads and checks the image and label files (same count, 28×28 images, labels 0..9). */
        public FashionMnist build() throws IOException {
            if (folder == null || !Files.isDirectory(folder)) {
                throw new IOException("Fashion-MNIST folder not found: " + folder + " (install Debian's"
                        + " dataset-fashion-mnist, which fills " + DEBIAN_FOLDER + ", or point LABKIT_FASHION_MNIST"
                        + " at a folder with train-images-idx3-ubyte.gz … t10k-labels-idx1-ubyte.gz)");
            }
            String prefix = train ? "train" : "t10k";
            Path imgFile = find(folder, prefix + "-images-idx3-ubyte");
            Path lblFile = find(folder, prefix + "-labels-idx1-ubyte");
            if (imgFile == null || lblFile == null) {
                throw new IOException("Fashion-MNIST files missing in " + folder.toAbsolutePath() + ": need "
                        + prefix + "-images-idx3-ubyte[.gz] and " + prefix + "-labels-idx1-ubyte[.gz]");
            }
            IdxFile img = IdxFile.read(imgFile);
            IdxFile lbl = IdxFile.read(lblFile);
            if (img.dims().length != 3 || img.dims()[1] != SIZE || img.dims()[2] != SIZE) {
                throw new IOException("Fashion-MNIST images must be N×28×28, " + imgFile + " is "
                        + Arrays.toString(img.dims()));
            }
            if (lbl.dims().length != 1 || lbl.count() != img.count()) {
                throw new IOException("Fashion-MNIST labels " + lblFile + " have dimensions "
                        + Arrays.toString(lbl.dims()) + " but " + imgFile + " has " + img.count() + " images");
            }
            byte[] labels = lbl.data();
            for (int i = 0; i < labels.length; i++) {
                if ((labels[i] & 0xff) >= CLASSES.size()) {
                    throw new IOException("Fashion-MNIST label file " + lblFile + " has label " + (labels[i] & 0xff)
                            + " at record " + i + " (labels are 0..9)");
                }
            }
            int n = Math.min(limit, img.count());
            if (sampler == null) {
                setSampling(32, train);
            }
            return new FashionMnist(this, img.data(), labels, n);
        }
    }
}
