package labkit.data;

import ai.djl.translate.Transform;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import labkit.io.Downloads;
import labkit.io.RemoteFile;

/**
 * Imagenette (fast.ai): real photos of 10 easy ImageNet classes, the 160-px version (~94 MB), downloaded and
 * verified like pretrained weights (see {@link Downloads}; MD5 as torchvision's {@code Imagenette} pins it), then
 * unpacked once into the cache. Its folder names are ImageNet WordNet ids, mapped by {@link #imagenetIndex(int)}
 * to the 1000-class indices, so a pretrained ImageNet classifier can be scored on it directly (Task 5: accuracy
 * of MobileNetV2 before and after PTQ).
 */
public final class Imagenette {
    /** The 160-px archive (shorter side 160) with torchvision's pinned MD5. */
    public static final RemoteFile FILE = RemoteFile.withMd5(
            "https://s3.amazonaws.com/fast-ai-imageclas/imagenette2-160.tgz", "imagenette2-160.tgz",
            "e793b78cc4c9e9a4ccc0c1155377a412");

    /** The class folders (WordNet ids) in sorted order, i.e. ImageFolderDataset's label order. */
    public static final List<String> WNIDS = List.of("n01440764", "n02102040", "n02979186", "n03000684",
            "n03028079", "n03394916", "n03417042", "n03425413", "n03445777", "n03888257");

    /** Readable names in the same order. */
    public static final List<String> NAMES = List.of("tench", "English springer", "cassette player", "chain saw",
            "church", "French horn", "garbage truck", "gas pump", "golf ball", "parachute");

    private static final int[] IMAGENET = {0, 217, 482, 491, 497, 566, 569, 571, 574, 701};

    private Imagenette() {}

    /** The ImageNet-1k index of Imagenette label {@code label} (0..9, sorted WordNet ids). */
    public static int imagenetIndex(int label) {
        if (label < 0 || label >= IMAGENET.length) {
            throw new IllegalArgumentException("Imagenette has labels 0..9, got " + label);
        }
        return IMAGENET[label];
    }

    /**
     * The unpacked dataset root (holding {@code train/} and {@code val/}), downloading and unpacking on first
     * use. Offline, the archive must already be in the cache (the error says where).
     */
    public static Path fetch(Downloads downloads) throws IOException {
        return fetch(downloads, FILE);
    }

    /** As {@link #fetch(Downloads)}, from another copy of the archive (a mirror, with its own hash). */
    public static Path fetch(Downloads downloads, RemoteFile archive) throws IOException {
        return Archives.unpackOnce(downloads, archive, "imagenette2-160", "val");
    }

    /** The validation split (3,925 photos) as an image folder dataset; labels follow {@link #WNIDS}. */
    public static ImageFolderDataset validation(Path root, Transform transform, int batchSize) throws IOException {
        return ImageFolderDataset.builder().root(root.resolve("val")).transform(transform)
                .setSampling(batchSize, false).build();
    }
}
