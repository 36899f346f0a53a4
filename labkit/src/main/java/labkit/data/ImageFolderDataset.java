package labkit.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Record;
import ai.djl.translate.Transform;
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
import java.util.stream.Stream;
import labkit.Seedable;
import labkit.image.Images;

/**
 * An image-classification dataset read from a folder with one sub-folder per class, like torchvision's
 * {@code ImageFolder}: classes are the sub-folder names in sorted order, labels their indices. Each record is
 * (image after {@link #transform()}, label as a scalar int64). Without a transform the image is an H×W×3 uint8
 * array; with e.g. {@code ToTensor} it is 3×H×W float32.
 *
 * <p>Use {@link #split(double, long)} for a seeded train/validation split and {@link #withTransform} to give
 * the two parts different pipelines (augmentation for training only).
 */
public final class ImageFolderDataset extends RandomAccessDataset implements Seedable {

    /** File extensions read as images (case-insensitive), as torchvision's IMG_EXTENSIONS for PNG/JPEG/BMP/GIF. */
    public static final List<String> IMAGE_EXTENSIONS = List.of(".png", ".jpg", ".jpeg", ".bmp", ".gif");

    /** One image file and its class index. */
    public record Sample(Path path, int label) {}

    /** A train/validation pair made by {@link #split(double, long)}. */
    public record Split(ImageFolderDataset train, ImageFolderDataset validation) {}

    private final Path root;
    private final List<String> classes;
    private final List<Sample> samples;
    private final Transform transform;
    private final Builder settings;
    /** The first record this dataset gave: later records must have its shape (batching needs one shape). */
    private final java.util.concurrent.atomic.AtomicReference<Seen> first =
            new java.util.concurrent.atomic.AtomicReference<>();

    private record Seen(Path file, ai.djl.ndarray.types.Shape raw, ai.djl.ndarray.types.Shape out) {}

    private ImageFolderDataset(Builder b, Path root, List<String> classes, List<Sample> samples, Transform transform) {
        super(b);
        this.settings = b;
        this.root = root;
        this.classes = List.copyOf(classes);
        this.samples = List.copyOf(samples);
        this.transform = transform;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The folder the dataset was read from. */
    public Path root() {
        return root;
    }

    /** Class names (sub-folder names) in label order. */
    public List<String> classes() {
        return classes;
    }

    /** The image files and labels, in the order records are indexed. */
    public List<Sample> samples() {
        return samples;
    }

    /** The transform applied to each image, or {@code null}. */
    public Transform transform() {
        return transform;
    }

    /** Reseeds the transform when it is {@link Seedable} (random augmentation); otherwise does nothing. */
    @Override
    public void reseed(long seed) {
        if (transform instanceof Seedable seedable) {
            seedable.reseed(seed);
        }
    }

    /** Number of images in each class, in label order. */
    public int[] classCounts() {
        int[] counts = new int[classes.size()];
        for (Sample s : samples) {
            counts[s.label()]++;
        }
        return counts;
    }

    /** A copy of this dataset (same files, same sampling) whose images go through {@code transform}. */
    public ImageFolderDataset withTransform(Transform transform) {
        return new ImageFolderDataset(settings, root, classes, samples, transform);
    }

    /** The first {@code n} samples after a seeded shuffle (all when {@code n >= size()}). */
    public ImageFolderDataset subset(int n, long seed) {
        List<Sample> shuffled = new ArrayList<>(samples);
        Collections.shuffle(shuffled, new Random(seed));
        return new ImageFolderDataset(settings, root, classes, shuffled.subList(0, Math.min(n, shuffled.size())), transform);
    }

    /**
     * Splits the samples into train and validation parts with a seeded shuffle; {@code trainFraction} of the
     * images (rounded down, at least one on each side) go to training. Both parts keep this transform.
     */
    public Split split(double trainFraction, long seed) {
        if (!(trainFraction > 0 && trainFraction < 1)) {
            throw new IllegalArgumentException("trainFraction must be in (0, 1), got " + trainFraction);
        }
        if (samples.size() < 2) {
            throw new IllegalArgumentException("need at least 2 images to split, " + root + " has " + samples.size());
        }
        List<Sample> shuffled = new ArrayList<>(samples);
        Collections.shuffle(shuffled, new Random(seed));
        int nTrain = Math.max(1, Math.min(shuffled.size() - 1, (int) Math.floor(trainFraction * shuffled.size())));
        return new Split(
                new ImageFolderDataset(settings, root, classes, shuffled.subList(0, nTrain), transform),
                new ImageFolderDataset(settings, root, classes, shuffled.subList(nTrain, shuffled.size()), transform));
    }

    /** Reads one image as an H×W×3 uint8 RGB array, with an error naming the file when it cannot. */
    public static NDArray readImage(Path file, NDManager manager) throws IOException {
        return Images.read(file, manager);
    }

    /**
     * Record {@code index}: the image after the transform and its label. Every record must have the shape of the
     * first one read (a batch stacks them): an image whose size differs, unless the transform resizes it, is an
     * {@link IOException} naming the file, its size and the size the other images have.
     */
    @Override
    public Record get(NDManager manager, long index) throws IOException {
        Sample s = samples.get(Math.toIntExact(index));
        NDArray image = readImage(s.path(), manager);
        ai.djl.ndarray.types.Shape raw = image.getShape();
        if (transform != null) {
            image = transform.transform(image);
        }
        Seen seen = new Seen(s.path(), raw, image.getShape());
        Seen ref = first.compareAndExchange(null, seen);
        if (ref != null && !ref.out().equals(seen.out())) {
            throw new IOException("image " + s.path().toAbsolutePath() + " is " + size(raw) + (transform == null ? ""
                    : " (shape " + seen.out() + " after the transform)") + " but the dataset's images are "
                    + size(ref.raw()) + (transform == null ? "" : " (shape " + ref.out() + ")") + ", as "
                    + ref.file().toAbsolutePath() + "; batches need one size: resize or remove the odd image, or put"
                    + " a Resize in the transform");
        }
        NDArray label = manager.create((long) s.label());
        return new Record(new NDList(image), new NDList(label));
    }

    private static String size(ai.djl.ndarray.types.Shape hwc) {
        return hwc.dimension() >= 2 ? hwc.get(1) + "×" + hwc.get(0) + " pixels" : hwc.toString();
    }

    @Override
    protected long availableSize() {
        return samples.size();
    }

    @Override
    public void prepare(Progress progress) {
        // files are listed when the dataset is built
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "ImageFolderDataset(%s, %d images, %d classes %s)",
                root, samples.size(), classes.size(), classes);
    }

    /** Builder: the root folder, an optional transform, and DJL's sampling settings (batch size, shuffle). */
    public static final class Builder extends BaseBuilder<Builder> {
        private Path root;
        private Transform transform;

        @Override
        protected Builder self() {
            return this;
        }

        /** The folder holding one sub-folder per class. */
        public Builder root(Path root) {
            this.root = root;
            return this;
        }

        /** The transform applied to every image (e.g. a {@code Compose} ending in ToTensor and Normalize). */
        public Builder transform(Transform transform) {
            this.transform = transform;
            return this;
        }

        /**
         * Lists the class folders and image files. Fails with a message naming the path when the root is missing
         * or not a folder, has no class folders, or a class folder has no images.
         */
        public ImageFolderDataset build() {
            if (root == null) {
                throw new IllegalArgumentException("ImageFolderDataset: call root(path) with the dataset folder");
            }
            if (!Files.exists(root)) {
                throw new IllegalArgumentException("dataset folder does not exist: " + root.toAbsolutePath()
                        + " (generate one with labkit.data.synthetic.ShapesDataset or download the real data)");
            }
            if (!Files.isDirectory(root)) {
                throw new IllegalArgumentException("dataset root is a file, not a folder: " + root.toAbsolutePath());
            }
            if (sampler == null) {
                setSampling(32, true);
            }
            List<String> classes = new ArrayList<>();
            List<Sample> samples = new ArrayList<>();
            try (Stream<Path> dirs = Files.list(root)) {
                dirs.filter(Files::isDirectory)
                        .filter(p -> !p.getFileName().toString().startsWith("."))
                        .sorted()
                        .forEach(d -> classes.add(d.getFileName().toString()));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list dataset folder " + root, e);
            }
            if (classes.isEmpty()) {
                throw new IllegalArgumentException("dataset folder " + root.toAbsolutePath()
                        + " has no class sub-folders; expected " + root + "/<class name>/<image files>");
            }
            for (int label = 0; label < classes.size(); label++) {
                Path dir = root.resolve(classes.get(label));
                List<Path> files;
                try (Stream<Path> s = Files.list(dir)) {
                    files = s.filter(Files::isRegularFile).filter(ImageFolderDataset::isImageFile).sorted().toList();
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list class folder " + dir, e);
                }
                if (files.isEmpty()) {
                    throw new IllegalArgumentException("class folder " + dir.toAbsolutePath() + " has no images ("
                            + String.join(", ", IMAGE_EXTENSIONS) + "); add images or remove the folder");
                }
                for (Path f : files) {
                    samples.add(new Sample(f, label));
                }
            }
            return new ImageFolderDataset(this, root, classes, samples, transform);
        }
    }

    static boolean isImageFile(Path p) {
        String name = p.getFileName().toString().toLowerCase(Locale.ROOT);
        return !name.startsWith(".") && IMAGE_EXTENSIONS.stream().anyMatch(name::endsWith);
    }
}
