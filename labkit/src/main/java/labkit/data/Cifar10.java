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
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import labkit.io.Downloads;
import labkit.io.RemoteFile;

/**
 * CIFAR-10 in its binary format ({@code cifar-10-batches-bin/}: {@code data_batch_1.bin} … {@code
 * data_batch_5.bin}, {@code test_batch.bin}, {@code batches.meta.txt}). Each record in a file is 1 label byte
 * then 3072 pixel bytes (1024 red, 1024 green, 1024 blue, row-major 32×32). Records come out as H×W×3 uint8
 * images (then {@link #transform}) and int64 labels, the same layout as {@link ImageFolderDataset}.
 */
public final class Cifar10 extends RandomAccessDataset {
    /** Bytes per record: 1 label + 3 × 32 × 32 pixels. */
    public static final int RECORD_BYTES = 1 + 3 * 32 * 32;
    /** The class names in label order, as in {@code batches.meta.txt}. */
    public static final List<String> CLASSES = List.of(
            "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

    /**
     * The binary archive from the dataset authors' page (Krizhevsky, University of Toronto), 170,052,171 bytes,
     * with its published MD5 and its SHA-256.
     */
    public static final RemoteFile FILE = RemoteFile.withMd5(
            "https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz", "cifar-10-binary.tar.gz",
            "c32a1d4ab5d03f1284b67883e8d87530");

    private final byte[] data;
    private final int count;
    private final Transform transform;

    private Cifar10(Builder b, byte[] data) {
        super(b);
        this.data = data;
        this.count = data.length / RECORD_BYTES;
        this.transform = b.transform;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The label of record {@code index}. */
    public int label(int index) {
        return data[index * RECORD_BYTES] & 0xff;
    }

    /** Record {@code index} as a 32×32×3 uint8 RGB image (no transform). */
    public NDArray image(NDManager manager, int index) {
        byte[] hwc = new byte[3 * 1024];
        int base = index * RECORD_BYTES + 1;
        for (int p = 0; p < 1024; p++) {
            for (int c = 0; c < 3; c++) {
                hwc[p * 3 + c] = data[base + c * 1024 + p];
            }
        }
        return manager.create(ByteBuffer.wrap(hwc), new Shape(32, 32, 3), DataType.UINT8);
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

    /**
     * The unpacked {@code cifar-10-batches-bin} folder, downloaded, verified and unpacked into the cache on first
     * use (for Binder users; tests and CI stay offline). Offline, the archive must already be in the cache and
     * the error says where to put it.
     */
    public static Path fetch(Downloads downloads) throws IOException {
        return fetch(downloads, FILE);
    }

    /** As {@link #fetch(Downloads)}, from another copy of the archive (a mirror, with its own hash). */
    public static Path fetch(Downloads downloads, RemoteFile archive) throws IOException {
        return Archives.unpackOnce(downloads, archive, "cifar-10-batches-bin", "test_batch.bin");
    }

    /** Reads every record of one binary batch file, checking its size. */
    public static byte[] readBatchFile(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException("CIFAR-10 batch file not found: " + file.toAbsolutePath());
        }
        byte[] bytes = Files.readAllBytes(file);
        if (bytes.length == 0 || bytes.length % RECORD_BYTES != 0) {
            throw new IOException("not a CIFAR-10 binary batch file: " + file + " has " + bytes.length
                    + " bytes, expected a multiple of " + RECORD_BYTES + " (is it the Python pickle version?"
                    + " use cifar-10-binary.tar.gz)");
        }
        for (int off = 0; off < bytes.length; off += RECORD_BYTES) {
            if ((bytes[off] & 0xff) > 9) {
                throw new IOException("not a CIFAR-10 binary batch file: " + file + " has label "
                        + (bytes[off] & 0xff) + " at record " + off / RECORD_BYTES + " (labels are 0..9)");
            }
        }
        return bytes;
    }

    /** Builder: the folder, train or test part, a transform and DJL's sampling settings. */
    public static final class Builder extends BaseBuilder<Builder> {
        private Path folder;
        private boolean train = true;
        private Transform transform;

        @Override
        protected Builder self() {
            return this;
        }

        /** The {@code cifar-10-batches-bin} folder. */
        public Builder folder(Path folder) { this.folder = folder; return this; }
        /** {@code true}: data_batch_*.bin (50,000 images); {@code false}: test_batch.bin (10,000). */
        public Builder train(boolean train) { this.train = train; return this; }
        public Builder transform(Transform transform) { this.transform = transform; return this; }

        public Cifar10 build() throws IOException {
            if (folder == null || !Files.isDirectory(folder)) {
                throw new IOException("CIFAR-10 folder not found: " + folder
                        + " (expected cifar-10-batches-bin/ with data_batch_1.bin … test_batch.bin)");
            }
            List<Path> files = new ArrayList<>();
            if (train) {
                try (Stream<Path> s = Files.list(folder)) {
                    s.filter(p -> p.getFileName().toString().matches("data_batch_\\d+\\.bin")).sorted().forEach(files::add);
                }
                if (files.isEmpty()) {
                    throw new IOException("no data_batch_*.bin files in " + folder.toAbsolutePath());
                }
            } else {
                files.add(folder.resolve("test_batch.bin"));
            }
            if (sampler == null) {
                setSampling(32, train);
            }
            java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
            for (Path f : files) {
                all.write(readBatchFile(f));
            }
            return new Cifar10(this, all.toByteArray());
        }
    }
}
