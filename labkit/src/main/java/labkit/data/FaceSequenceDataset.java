package labkit.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;

/**
 * Sequences of face crops for video emotion recognition: one folder per clip holding its frames as images
 * (sorted by name, e.g. {@code frame_00012_face_0.png} from {@code labkit.vision.FaceCrops}). Labels come from a
 * CSV ({@code clip,label}; label a class name or index) or, without one, from the parent folder
 * ({@code root/<class>/<clip>/}). Each record is T frames sampled evenly over the clip (the last frame repeated
 * when the clip is shorter), resized to S×S: a T×3×S×S float32 array in [0, 1], and the label as int64.
 */
public final class FaceSequenceDataset extends RandomAccessDataset {
    /** One clip folder and its label. */
    public record Clip(Path folder, int label) {}

    private final List<String> classes;
    private final List<Clip> clips;
    private final int frames;
    private final int size;

    private FaceSequenceDataset(Builder b, List<String> classes, List<Clip> clips) {
        super(b);
        this.classes = List.copyOf(classes);
        this.clips = List.copyOf(clips);
        this.frames = b.frames;
        this.size = b.size;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Class names in label order. */
    public List<String> classes() {
        return classes;
    }

    /** The clips in record order. */
    public List<Clip> clips() {
        return clips;
    }

    /** The image files of one clip, sorted by name. */
    public static List<Path> frameFiles(Path clip) {
        try (Stream<Path> s = Files.list(clip)) {
            return s.filter(ImageFolderDataset::isImageFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list clip folder " + clip, e);
        }
    }

    /** Indices of T frames spread evenly over n (the last repeated when n < T). */
    public static int[] sampleIndices(int n, int t) {
        int[] idx = new int[t];
        for (int i = 0; i < t; i++) {
            idx[i] = n >= t ? (int) Math.floor((i + 0.5) * n / t) : Math.min(i, n - 1);
        }
        return idx;
    }

    @Override
    public Record get(NDManager manager, long index) throws IOException {
        Clip c = clips.get(Math.toIntExact(index));
        List<Path> files = frameFiles(c.folder());
        NDList out = new NDList();
        for (int i : sampleIndices(files.size(), frames)) {
            BufferedImage img = ImageIO.read(files.get(i).toFile());
            if (img == null) {
                throw new IOException("cannot read frame image " + files.get(i));
            }
            BufferedImage rgb = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
            Graphics2D g = rgb.createGraphics();
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(img, 0, 0, size, size, null);
            g.dispose();
            float[] chw = new float[3 * size * size];
            for (int y = 0; y < size; y++) {
                for (int x = 0; x < size; x++) {
                    int p = rgb.getRGB(x, y);
                    chw[y * size + x] = ((p >> 16) & 255) / 255f;
                    chw[size * size + y * size + x] = ((p >> 8) & 255) / 255f;
                    chw[2 * size * size + y * size + x] = (p & 255) / 255f;
                }
            }
            out.add(manager.create(chw, new ai.djl.ndarray.types.Shape(3, size, size)));
        }
        NDArray seq = NDArrays.stack(out);
        return new Record(new NDList(seq), new NDList(manager.create((long) c.label()).toType(DataType.INT64, false)));
    }

    @Override
    protected long availableSize() {
        return clips.size();
    }

    @Override
    public void prepare(Progress progress) {
        // clips are listed when the dataset is built
    }

    /** Builder: root folder, optional labels CSV, classes, frames per sequence and crop size. */
    public static final class Builder extends BaseBuilder<Builder> {
        private Path root;
        private Path labelsCsv;
        private List<String> classes;
        private int frames = 8;
        private int size = 64;

        @Override
        protected Builder self() {
            return this;
        }

        public Builder root(Path root) {
            this.root = root;
            return this;
        }

        /** A CSV with header {@code clip,label}: clip folder names under root and class names or indices. */
        public Builder labelsCsv(Path csv) {
            this.labelsCsv = csv;
            return this;
        }

        /** Class names in label order (default: the class folders' sorted names, or VideoNet's 8 emotions with a CSV). */
        public Builder classes(List<String> classes) {
            this.classes = classes;
            return this;
        }

        /** Frames per sequence, T (default 8). */
        public Builder frames(int frames) {
            this.frames = frames;
            return this;
        }

        /** Side of each frame after resizing, S (default 64). */
        public Builder size(int size) {
            this.size = size;
            return this;
        }

        public FaceSequenceDataset build() {
            if (root == null || !Files.isDirectory(root)) {
                throw new IllegalArgumentException("face-sequence folder not found: " + (root == null ? null : root.toAbsolutePath()));
            }
            if (sampler == null) {
                setSampling(8, true);
            }
            List<Clip> clips = new ArrayList<>();
            List<String> names;
            if (labelsCsv != null) {
                names = classes != null ? classes : List.of("neutral", "calm", "happy", "sad", "angry", "fearful", "disgust", "surprised");
                List<String> lines;
                try {
                    lines = Files.readAllLines(labelsCsv);
                } catch (IOException e) {
                    throw new IllegalArgumentException("cannot read labels CSV " + labelsCsv.toAbsolutePath(), e);
                }
                if (lines.isEmpty() || !lines.get(0).trim().equals("clip,label")) {
                    throw new IllegalArgumentException("labels CSV " + labelsCsv + " must start with the header 'clip,label'");
                }
                for (int i = 1; i < lines.size(); i++) {
                    String line = lines.get(i).trim();
                    if (line.isEmpty()) {
                        continue;
                    }
                    String[] f = line.split(",");
                    if (f.length != 2) {
                        throw new IllegalArgumentException(labelsCsv + " line " + (i + 1) + ": expected 'clip,label', got '" + line + "'");
                    }
                    int label = f[1].trim().matches("\\d+") ? Integer.parseInt(f[1].trim()) : names.indexOf(f[1].trim());
                    if (label < 0 || label >= names.size()) {
                        throw new IllegalArgumentException(labelsCsv + " line " + (i + 1) + ": unknown label '" + f[1]
                                + "'; classes: " + names);
                    }
                    clips.add(new Clip(checkClip(root.resolve(f[0].trim())), label));
                }
            } else {
                Map<String, List<Path>> byClass = new LinkedHashMap<>();
                try (Stream<Path> s = Files.list(root)) {
                    for (Path d : s.filter(Files::isDirectory).sorted().toList()) {
                        try (Stream<Path> c = Files.list(d)) {
                            byClass.put(d.getFileName().toString(), c.filter(Files::isDirectory).sorted().toList());
                        }
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot list " + root, e);
                }
                names = classes != null ? classes : List.copyOf(byClass.keySet());
                for (Map.Entry<String, List<Path>> e : byClass.entrySet()) {
                    int label = names.indexOf(e.getKey());
                    if (label < 0) {
                        throw new IllegalArgumentException("class folder '" + e.getKey() + "' in " + root + " is not one of " + names);
                    }
                    for (Path clip : e.getValue()) {
                        clips.add(new Clip(checkClip(clip), label));
                    }
                }
            }
            if (clips.isEmpty()) {
                throw new IllegalArgumentException("no clips in " + root.toAbsolutePath() + "; expected root/<class>/<clip>/<frames>"
                        + " or a labels CSV");
            }
            return new FaceSequenceDataset(this, names, clips);
        }

        private static Path checkClip(Path clip) {
            if (!Files.isDirectory(clip) || frameFiles(clip).isEmpty()) {
                throw new IllegalArgumentException("clip folder " + clip.toAbsolutePath() + " is missing or has no frame images");
            }
            return clip;
        }
    }
}
