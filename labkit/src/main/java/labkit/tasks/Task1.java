package labkit.tasks;

import ai.djl.Model;
import ai.djl.modality.Classifications;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.translate.Transform;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import labkit.Labkit;
import labkit.augment.ColorJitter;
import labkit.augment.Compose;
import labkit.augment.Grayscale;
import labkit.augment.Normalize;
import labkit.augment.Pad;
import labkit.augment.RandomHorizontalFlip;
import labkit.augment.RandomPerspective;
import labkit.augment.RandomRotation;
import labkit.augment.ToTensor;
import labkit.data.FashionMnist;
import labkit.data.ImageFolderDataset;
import labkit.data.synthetic.ShapesDataset;
import labkit.models.Task1Cnn;
import labkit.nn.BlockTree;
import labkit.plot.ImageGrid;

/**
 * Course Task 1 in its own words: an image-folder dataset, data augmentation (colour jitter, horizontal flip,
 * rotation, perspective), and a CNN that turns an image into class probabilities. Every step is a plain
 * labkit/DJL object, so a notebook can look inside it.
 */
public final class Task1 {
    /** Image side used throughout Task 1 (CIFAR-10 size). */
    public static final int IMAGE_SIZE = 32;
    /** Per-channel mean of CIFAR-10 training images, used by {@link #normalize()}. */
    public static final float[] MEAN = {0.4914f, 0.4822f, 0.4465f};
    /** Per-channel standard deviation of CIFAR-10 training images. */
    public static final float[] STD = {0.2470f, 0.2435f, 0.2616f};

    /** Mean of Fashion-MNIST's training pixels (grey, in [0, 1]), used by {@link #fashionMnistTransform()}. */
    public static final float FASHION_MEAN = 0.2860f;
    /** Standard deviation of Fashion-MNIST's training pixels. */
    public static final float FASHION_STD = 0.3530f;

    /** Strength of each augmentation, as the course sets them. */
    public static final double BRIGHTNESS = 0.3;
    public static final double CONTRAST = 0.3;
    public static final double SATURATION = 0.3;
    public static final double HUE = 0.05;
    public static final double FLIP_P = 0.5;
    public static final double ROTATION_DEGREES = 15;
    public static final double PERSPECTIVE_DISTORTION = 0.3;
    public static final double PERSPECTIVE_P = 0.5;

    private Task1() {}

    /** Images per class of the synthetic dataset: 20 in quick mode, 300 otherwise. */
    public static int imagesPerClass() {
        return Labkit.quick() ? 20 : 300;
    }

    /**
     * Writes the synthetic 10-class dataset ({@link ShapesDataset}) to {@code root} unless it is already there,
     * and returns {@code root}.
     */
    public static Path syntheticData(Path root) {
        return syntheticData(root, imagesPerClass(), 42);
    }

    /** As {@link #syntheticData(Path)} with an explicit size and seed. */
    public static Path syntheticData(Path root, int perClass, long seed) {
        Path marker = root.resolve(".labkit-shapes-" + perClass + "-" + seed);
        if (!Files.exists(marker)) {
            ShapesDataset.write(root, perClass, IMAGE_SIZE, seed);
            try {
                Files.writeString(marker, "written by labkit.tasks.Task1\n");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write " + marker, e);
            }
        }
        return root;
    }

    /** The data sets the notebooks' {@code dataset} switch can name. */
    public static final List<String> DATASETS = List.of("shapes", "cifar10", "fashion-mnist");

    /**
     * An image folder (one sub-folder per class) for the notebooks' {@code dataset} switch, under {@code dataDir}:
     * {@code "shapes"} (generated offline, {@link #syntheticData(Path)}), {@code "cifar10"} (the course's
     * dataset: fetched once, 170 MB, MD5-checked, into {@code ~/.cache/labkit/}; with {@code LABKIT_OFFLINE=1} an
     * error names the file and folder) or {@code "fashion-mnist"} (Debian's {@code dataset-fashion-mnist}, grey,
     * padded to 32×32). Real sets give the first {@link #imagesPerClass()} training images of each class, written
     * once as PNG files so every image-folder step of the course works on them unchanged.
     */
    public static Path data(String dataset, Path dataDir) {
        int perClass = imagesPerClass();
        switch (dataset) {
            case "shapes":
                return syntheticData(dataDir.resolve("shapes"));
            case "cifar10":
            case "fashion-mnist":
                break;
            default:
                throw new IllegalArgumentException("unknown dataset '" + dataset + "'; use one of " + DATASETS);
        }
        Path root = dataDir.resolve(dataset + "-" + perClass);
        Path marker = root.resolve(".labkit-complete");
        if (Files.exists(marker)) {
            return root;
        }
        try (NDManager m = NDManager.newBaseManager()) {
            List<String> classes;
            ai.djl.training.dataset.RandomAccessDataset ds;
            java.util.function.IntUnaryOperator label;
            java.util.function.BiFunction<NDManager, Integer, NDArray> image;
            if (dataset.equals("cifar10")) {
                labkit.data.Cifar10 c = labkit.data.Cifar10.builder()
                        .folder(labkit.data.Cifar10.fetch(labkit.io.Downloads.standard())).train(true).build();
                classes = labkit.data.Cifar10.CLASSES;
                ds = c;
                label = c::label;
                image = c::image;
            } else {
                Path folder = FashionMnist.locate().orElseThrow(() -> new IllegalArgumentException(
                        "Fashion-MNIST not found: install Debian's dataset-fashion-mnist (fills "
                        + FashionMnist.DEBIAN_FOLDER + ") or set LABKIT_FASHION_MNIST"));
                FashionMnist f = FashionMnist.builder().folder(folder).train(true).build();
                classes = FashionMnist.CLASSES;
                ds = f;
                label = f::label;
                Compose toRgb32 = new Compose(new Pad(2), new Grayscale(3));
                image = (mm, i) -> toRgb32.transform(f.image(mm, i));
            }
            int[] written = new int[classes.size()];
            int total = 0;
            for (int i = 0; i < ds.size() && total < perClass * classes.size(); i++) {
                int y = label.applyAsInt(i);
                if (written[y] >= perClass) {
                    continue;
                }
                String name = classes.get(y).replace('/', '-');
                Path file = root.resolve(name).resolve(String.format(java.util.Locale.ROOT, "%05d.png", i));
                Files.createDirectories(file.getParent());
                try (NDManager s = m.newSubManager()) {
                    labkit.image.Images.write(image.apply(s, i), file);
                }
                written[y]++;
                total++;
            }
            Files.writeString(marker, "written by labkit.tasks.Task1 from " + dataset + "\n");
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** The dataset in {@code root} (one folder per class) with raw H×W×3 uint8 images. */
    public static ImageFolderDataset dataset(Path root) {
        return ImageFolderDataset.builder().root(root).setSampling(64, true).build();
    }

    /** ColorJitter → RandomHorizontalFlip → RandomRotation → RandomPerspective, on H×W×3 images, seeded. */
    public static Compose augmentation(long seed) {
        return Compose.seeded(seed,
                new ColorJitter(BRIGHTNESS, CONTRAST, SATURATION, HUE),
                new RandomHorizontalFlip(FLIP_P),
                new RandomRotation(ROTATION_DEGREES),
                new RandomPerspective(PERSPECTIVE_DISTORTION, PERSPECTIVE_P));
    }

    /** ToTensor then Normalize with the CIFAR-10 statistics: H×W×3 [0,255] → 3×H×W normalised float. */
    public static Compose normalize() {
        return new Compose(new ToTensor(), new Normalize(MEAN, STD));
    }

    /**
     * Fashion-MNIST into the Task 1 CNN: Pad(2) to 32×32, Grayscale(3) (the grey value in all three channels),
     * ToTensor, Normalize with Fashion-MNIST's statistics: H×W×1 [0,255] → 3×32×32 normalised float.
     */
    public static Compose fashionMnistTransform() {
        float[] mean = {FASHION_MEAN, FASHION_MEAN, FASHION_MEAN};
        float[] std = {FASHION_STD, FASHION_STD, FASHION_STD};
        return new Compose(new Pad(2), new Grayscale(3), new ToTensor(), new Normalize(mean, std));
    }

    /**
     * The first {@code limit} Fashion-MNIST images of the training ({@code train}) or test part in {@code folder}
     * (e.g. {@link FashionMnist#DEBIAN_FOLDER}) through {@link #fashionMnistTransform()}, batch 64 (training with
     * {@link labkit.train.Fit} sets its own seeded order).
     */
    public static FashionMnist fashionMnist(Path folder, boolean train, int limit) {
        try {
            return FashionMnist.builder().folder(folder).train(train).limit(limit)
                    .transform(fashionMnistTransform())
                    .setSampling(64, false)
                    .build();
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** The training pipeline: {@link #augmentation(long)} then {@link #normalize()}. */
    public static Compose trainTransform(long seed) {
        return Compose.seeded(seed, augmentation(seed), normalize());
    }

    /** The evaluation pipeline: no augmentation, only {@link #normalize()}. */
    public static Compose evalTransform() {
        return normalize();
    }

    /**
     * A picture of what augmentation does: one row per image, showing the original and then each augmentation
     * alone (jitter, flip, rotation, perspective — always applied, at the course's strengths) and the full
     * random pipeline {@code extra} times. Titles are class names and step names.
     */
    public static BufferedImage augmentationGrid(ImageFolderDataset raw, int rows, int extra, long seed) {
        if (raw.transform() != null) {
            throw new IllegalArgumentException("augmentationGrid needs the raw dataset (no transform); got " + raw.transform());
        }
        List<String> steps = List.of("jitter", "flip", "rotation", "perspective");
        List<Transform> alone = List.of(
                new ColorJitter(BRIGHTNESS, CONTRAST, SATURATION, HUE, seed),
                new RandomHorizontalFlip(1.0, seed),
                new RandomRotation(ROTATION_DEGREES, seed),
                new RandomPerspective(PERSPECTIVE_DISTORTION, 1.0, seed));
        Compose full = augmentation(seed);
        ImageGrid grid = new ImageGrid().columns(1 + steps.size() + extra).cellSize(80)
                .heading("original | each augmentation alone | full pipeline");
        ImageFolderDataset sample = raw.subset(rows, seed);
        try (NDManager manager = NDManager.newBaseManager()) {
            for (int r = 0; r < sample.size(); r++) {
                ImageFolderDataset.Sample s = sample.samples().get(r);
                NDArray img = ImageFolderDataset.readImage(s.path(), manager);
                grid.add(img, raw.classes().get(s.label()));
                for (int k = 0; k < steps.size(); k++) {
                    grid.add(alone.get(k).transform(img), steps.get(k));
                }
                for (int k = 0; k < extra; k++) {
                    grid.add(full.transform(img), "random " + (k + 1));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return grid.render();
    }

    /** A Task 1 CNN for {@code numClasses} classes, wrapped in an initialised DJL {@link Model}. */
    public static Model cnn(int numClasses) {
        Model model = Model.newInstance("task1-cnn");
        model.setBlock(Task1Cnn.create(numClasses, IMAGE_SIZE));
        model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3, IMAGE_SIZE, IMAGE_SIZE));
        return model;
    }

    /** Number of trainable parameters of a model. */
    public static long parameterCount(Model model) {
        return BlockTree.countParameters(model.getBlock());
    }

    /**
     * Class probabilities for one image: {@link #evalTransform()}, a forward pass in inference mode, softmax.
     * The image is H×W×3 in [0,255] (as the raw dataset gives it); the probabilities sum to 1.
     */
    public static Classifications predict(Model model, NDArray image, List<String> classes) {
        Shape shape = image.getShape();
        if (shape.dimension() != 3 || shape.get(2) != 3) {
            throw new IllegalArgumentException("predict needs one H×W×3 image, got shape " + shape);
        }
        try (NDManager scope = model.getNDManager().newSubManager()) {
            NDArray copy = image.toType(DataType.FLOAT32, true);
            copy.attach(scope);
            NDArray x = evalTransform().transform(copy).expandDims(0);
            NDArray logits = model.getBlock().forward(new ParameterStore(scope, false), new NDList(x), false).head();
            if (logits.getShape().get(1) != classes.size()) {
                throw new IllegalArgumentException("the model has " + logits.getShape().get(1) + " outputs but "
                        + classes.size() + " class names were given");
            }
            float[] p = logits.softmax(1).toFloatArray();
            List<Double> probs = new ArrayList<>(p.length);
            for (float v : p) {
                probs.add((double) v);
            }
            return new Classifications(new ArrayList<>(classes), probs);
        }
    }

    /** The probabilities of {@link #predict} as a plain array in class order. */
    public static double[] probabilities(Classifications c) {
        return c.getProbabilities().stream().mapToDouble(Double::doubleValue).toArray();
    }
}
