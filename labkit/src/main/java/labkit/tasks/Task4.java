package labkit.tasks;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import ai.djl.training.loss.L2Loss;
import ai.djl.training.loss.Loss;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import labkit.Labkit;
import labkit.data.Degradation;
import labkit.data.ImageFolderDataset;
import labkit.data.SuperResolutionDataset;
import labkit.data.synthetic.SegmentationShapes;
import labkit.image.Bicubic;
import labkit.models.SuperResolutionNet;
import labkit.plot.ImageGrid;
import labkit.train.Adam;
import labkit.train.Fit;
import labkit.train.History;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Course Task 4 in its own words: super-resolution ×3. High-resolution (HR) images are degraded into
 * low-resolution (LR) partners (blur, bicubic ↓3, noise, JPEG); the {@link SuperResolutionNet} (ResNet encoder,
 * BiFPN decoder, pixel shuffle) works on the luma (Y) channel only and the colour comes back from the bicubically
 * up-sampled chroma; a short seeded training run with MSE; and PSNR of the network vs plain bicubic up-sampling on
 * held-out images.
 */
public final class Task4 {
    /** Up-scaling factor. */
    public static final int SCALE = 3;
    /** Side of the HR images (LR 32×32: a multiple of 8, as the net needs). */
    public static final int HR_SIZE = 96;
    /**
     * Adam's learning rate in {@link #train}: 10⁻⁴, as EDSR trains; 10⁻³ overshoots from the bicubic start (measured:
     * the training loss rose over the first epochs).
     */
    public static final float LEARNING_RATE = 1e-4f;

    private Task4() {}

    /** HR images: 8 in quick mode, 160 otherwise. */
    public static int imageCount() {
        return Labkit.quick() ? 8 : 160;
    }

    /** Held-out HR images (whole images, for PSNR): 2 in quick mode, 8 otherwise. */
    public static int heldOutCount() {
        return Labkit.quick() ? 2 : 8;
    }

    /** HR training patch side: 24 (LR 8×8) in quick mode, 48 (LR 16×16) otherwise. */
    public static int patchSize() {
        return Labkit.quick() ? 24 : 48;
    }

    /** Training epochs: 2 in quick mode, 10 otherwise. */
    public static int epochs() {
        return Labkit.quick() ? 2 : 10;
    }

    /** Batch size: 4 in quick mode, 8 otherwise. */
    public static int batchSize() {
        return Labkit.quick() ? 4 : 8;
    }

    /**
     * Writes {@code imageCount()} synthetic {@value #HR_SIZE}² HR pictures (the textured shapes of
     * {@link SegmentationShapes}) to a sub-folder of {@code root} named after the count and seed unless they are
     * there; returns the folder of the images. Quick and full runs thus never mix their images.
     */
    public static Path syntheticData(Path root) {
        return syntheticData(root, imageCount(), 7);
    }

    /** As {@link #syntheticData(Path)} with an explicit count and seed. */
    public static Path syntheticData(Path root, int count, long seed) {
        Path dir = root.resolve(HR_SIZE + "px-" + count + "-seed" + seed);
        Path marker = dir.resolve(".labkit-complete");
        if (!Files.exists(marker)) {
            try {
                SegmentationShapes.write(dir, count, HR_SIZE, seed);
                Files.writeString(marker, "written by labkit.tasks.Task4\n");
            } catch (IOException e) {
                throw new UncheckedIOException("cannot write the HR images to " + dir.toAbsolutePath(), e);
            }
        }
        return dir.resolve("images");
    }

    /** The course's degradation: blur σ 0.2–1.2, bicubic ↓3, Gaussian noise σ 0–5, JPEG quality 60–95. */
    public static Degradation degradation() {
        return Degradation.builder().blurSigma(0.2, 1.2).noiseSigma(0, 5).jpegQuality(60, 95).scale(SCALE).build();
    }

    /** The HR files of {@code folder}, sorted by name (errors name the folder when it is missing or empty). */
    public static List<Path> files(Path folder) {
        return SuperResolutionDataset.builder().folder(folder).build().files();
    }

    /** The training set: all but the last {@code heldOut} files, random {@link #patchSize()} patches, Y only. */
    public static SuperResolutionDataset trainSet(Path folder, int heldOut) {
        return trainSet(folder, heldOut, patchSize(), batchSize());
    }

    /** As {@link #trainSet(Path, int)} with an explicit HR patch side (a multiple of 24) and batch size. */
    public static SuperResolutionDataset trainSet(Path folder, int heldOut, int patch, int batch) {
        List<Path> f = files(folder);
        requireSplit(f, heldOut, folder);
        if (patch % (8 * SCALE) != 0) {
            throw new IllegalArgumentException("patch must be a multiple of " + 8 * SCALE + " (LR side a multiple of 8),"
                    + " got " + patch);
        }
        return SuperResolutionDataset.builder().files(f.subList(0, f.size() - heldOut)).degradation(degradation())
                .patch(patch).yOnly(true).seed(1).setSampling(batch, true).build();
    }

    /** The held-out set: the last {@code heldOut} files as whole images (LR 32×32 from 96×96), Y only. */
    public static SuperResolutionDataset heldOutSet(Path folder, int heldOut) {
        List<Path> f = files(folder);
        requireSplit(f, heldOut, folder);
        return SuperResolutionDataset.builder().files(f.subList(f.size() - heldOut, f.size())).degradation(degradation())
                .patch(0).yOnly(true).seed(2).setSampling(batchSize(), false).build();
    }

    private static void requireSplit(List<Path> f, int heldOut, Path folder) {
        if (heldOut < 1 || heldOut >= f.size()) {
            throw new IllegalArgumentException("heldOut must be in 1.." + (f.size() - 1) + " for the " + f.size()
                    + " images in " + folder + ", got " + heldOut);
        }
    }

    /**
     * The degradation step by step, one row per HR image: the HR image, the degraded LR image (all steps, ×3
     * smaller), then each step alone on the HR image at the strong end of its range: blur, bicubic ↓3 (then shown
     * enlarged), noise, JPEG.
     */
    public static BufferedImage degradationGrid(Path folder, int rows, long seed) {
        Degradation d = degradation();
        double blur = 1.2;
        double noise = 5;
        int quality = 60;
        ImageGrid grid = new ImageGrid().columns(6).cellSize(128)
                .heading("HR | degraded LR (all steps) | each step alone: blur, bicubic ↓3, noise, JPEG");
        List<Path> f = files(folder);
        Random rng = new Random(seed);
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < Math.min(rows, f.size()); i++) {
                NDArray hr = ImageFolderDataset.readImage(f.get(i), m);
                Degradation.Params p = d.sample(rng);
                grid.add(hr, "HR " + hr.getShape().get(1) + "×" + hr.getShape().get(0));
                NDArray lr = Degradation.apply(hr, p, rng);
                grid.add(lr, String.format(Locale.ROOT, "LR %d×%d", lr.getShape().get(1), lr.getShape().get(0)));
                grid.add(Degradation.gaussianBlur(hr, blur), "blur σ=" + blur);
                grid.add(Bicubic.downsample(hr, d.scale()), "bicubic ↓" + d.scale());
                grid.add(Degradation.gaussianNoise(hr, noise, rng), "noise σ=" + noise);
                grid.add(Degradation.jpeg(hr, quality), "JPEG q=" + quality);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return grid.render();
    }

    /** What the net trains on: {@code n} records of {@code ds} as LR Y patch | its bicubic ×3 | HR Y patch. */
    public static BufferedImage pairGrid(SuperResolutionDataset ds, int n) {
        ImageGrid grid = new ImageGrid().columns(3).cellSize(112).heading("LR (Y) | bicubic ×" + ds.scale() + " | HR (Y)");
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < Math.min(n, ds.size()); i++) {
                var r = ds.get(m, i);
                NDArray lr = r.getData().head();
                NDArray hr = r.getLabels().head();
                grid.add(lr, "LR " + lr.getShape().get(2) + "×" + lr.getShape().get(1))
                        .add(bicubic(lr, ds.scale()).clip(0f, 1f), "bicubic")
                        .add(hr, "HR " + hr.getShape().get(2) + "×" + hr.getShape().get(1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return grid.render();
    }

    /** The ×3 net of the course ({@link SuperResolutionNet#x3()}), initialised (engine seed 42, so every run starts
     * from the same weights) for one LR patch. */
    public static Model model() {
        ai.djl.engine.Engine.getInstance().setRandomSeed(42);
        Model model = Model.newInstance("sr-x3");
        model.setBlock(SuperResolutionNet.x3());
        model.getBlock().initialize(model.getNDManager(), DataType.FLOAT32, inputShape(1));
        return model;
    }

    /** A training batch's input shape: N×1×(patch/3)×(patch/3). */
    public static Shape inputShape(int batch) {
        int lr = patchSize() / SCALE;
        return new Shape(batch, 1, lr, lr);
    }

    /** Bicubic ×{@code scale} of a 1×h×w (or h×w) float Y tensor (OpenCV INTER_CUBIC ≡ PyTorch bicubic, not clipped). */
    public static NDArray bicubic(NDArray y, int scale) {
        Shape s = y.getShape();
        long h = s.get(s.dimension() - 2);
        long w = s.get(s.dimension() - 1);
        if (s.size() != h * w) {
            throw new IllegalArgumentException("bicubic needs one Y channel (1×h×w or h×w), got shape " + s);
        }
        NDArray up = Bicubic.upsample(y.toType(DataType.FLOAT32, false).reshape(h, w, 1), scale);
        return up.reshape(1, h * scale, w * scale);
    }

    /** The net's Y output (1×sH×sW, clipped to [0, 1]) for one LR Y tensor 1×h×w in [0, 1], in inference mode. */
    public static NDArray superResolve(Model model, NDArray lrY) {
        Shape s = lrY.getShape();
        if (s.dimension() != 3 || s.get(0) != 1) {
            throw new IllegalArgumentException("superResolve needs one LR Y tensor 1×h×w in [0, 1], got shape " + s);
        }
        NDArray y = model.getBlock().forward(new ParameterStore(lrY.getManager(), false),
                new NDList(lrY.expandDims(0)), false).head();
        return y.get(0).clip(0f, 1f);
    }

    /**
     * Colour super-resolution of one LR RGB image (h×w×3 uint8): the net up-scales its Y channel, the chroma is
     * up-sampled bicubically, and the two are recombined into an sH×sW×3 uint8 RGB image.
     */
    public static NDArray superResolveRgb(Model model, NDArray lrRgb) {
        NDArray lrY = SuperResolutionDataset.toTensor(lrRgb, true);
        return SuperResolutionNet.recombine(superResolve(model, lrY), lrRgb, ((SuperResolutionNet) model.getBlock()).scale());
    }

    /** Mean squared error (DJL's {@code L2Loss} with weight 1; its default weight ½ would halve it). */
    public static Loss loss() {
        return new L2Loss("mse", 1f);
    }

    /**
     * A short training run with labkit's {@link Fit}: Adam (lr {@value #LEARNING_RATE}), MSE on Y, {@code epochs}
     * epochs of batches of {@link #batchSize()}, seeded; validation loss on {@code validation} (e.g. the held-out
     * set); returns the history: training and validation loss per epoch.
     */
    public static History train(Model model, SuperResolutionDataset train, SuperResolutionDataset validation, int epochs, int seed) {
        try (Fit fit = Fit.builder(model, loss()).optimizer(Adam.of(LEARNING_RATE)).epochs(epochs).batchSize(batchSize())
                .seed(seed).name("Task 4: SR net, MSE on Y").build()) {
            return fit.fit(train, validation);
        }
    }


    /** PSNR (dB) of two Y tensors in [0, 1]. */
    public static double psnr(NDArray a, NDArray b) {
        return SuperResolutionNet.psnr(a, b, 1.0);
    }

    /**
     * PSNR on the Y channel of every held-out image: bicubic ×3 of the LR image and the net's output, each against
     * the HR image, and the net's gain over bicubic; the last row is the mean.
     */
    public static Table psnrTable(Model model, SuperResolutionDataset heldOut) {
        StringColumn name = StringColumn.create("image");
        DoubleColumn bic = DoubleColumn.create("bicubic PSNR (dB)");
        DoubleColumn sr = DoubleColumn.create("SR net PSNR (dB)");
        DoubleColumn gain = DoubleColumn.create("gain (dB)");
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < heldOut.size(); i++) {
                try (NDManager s = m.newSubManager()) {
                    var r = heldOut.get(s, i);
                    NDArray lr = r.getData().head();
                    NDArray hr = r.getLabels().head();
                    double b = psnr(bicubic(lr, heldOut.scale()).clip(0f, 1f), hr);
                    double n = psnr(superResolve(model, lr), hr);
                    name.append(heldOut.files().get(i).getFileName().toString());
                    bic.append(b);
                    sr.append(n);
                    gain.append(n - b);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        name.append("mean");
        bic.append(bic.mean());
        sr.append(sr.mean());
        gain.append(gain.mean());
        return Table.create("PSNR on " + heldOut.size() + " held-out images (Y channel, ×" + heldOut.scale() + ")",
                name, bic, sr, gain);
    }

    /** One row per held-out image, in colour: LR | bicubic ×3 | SR net (Y) + bicubic chroma | HR. */
    public static BufferedImage comparisonGrid(Model model, SuperResolutionDataset heldOut, int rows) {
        ImageGrid grid = new ImageGrid().columns(4).cellSize(128).heading("LR | bicubic ×" + heldOut.scale()
                + " | SR net | HR");
        try (NDManager m = NDManager.newBaseManager()) {
            for (int i = 0; i < Math.min(rows, heldOut.size()); i++) {
                SuperResolutionDataset.Pair p = heldOut.pair(m, i);
                grid.add(p.lr(), "LR").add(Bicubic.upsample(p.lr(), heldOut.scale()), "bicubic")
                        .add(superResolveRgb(model, p.lr()), "SR net").add(p.hr(), "HR");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return grid.render();
    }
}
