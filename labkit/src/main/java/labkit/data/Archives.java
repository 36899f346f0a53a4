package labkit.data;

import ai.djl.util.TarUtils;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import labkit.io.Downloads;
import labkit.io.FileTrees;
import labkit.io.RemoteFile;

/**
 * Fetches a verified {@code .tar.gz} data set archive through {@link Downloads} and unpacks it once into the
 * cache: the folder is moved into place only when complete, so an interrupted unpack is redone, never used.
 */
final class Archives {
    private Archives() {}

    /**
     * The unpacked {@code <cache>/<inner>} folder, downloading and unpacking {@code archive} on first use.
     * {@code inner} is the archive's top folder; {@code mustContain} a path inside it that proves the layout.
     */
    static Path unpackOnce(Downloads downloads, RemoteFile archive, String inner, String mustContain)
            throws IOException {
        Path dir = downloads.cacheDir().resolve(inner);
        if (Files.isRegularFile(dir.resolve(".complete"))) {
            return dir;
        }
        Path tgz = downloads.fetch(archive);
        Path tmp = downloads.cacheDir().resolve(inner + ".unpacking");
        FileTrees.delete(tmp);
        try (InputStream in = new BufferedInputStream(Files.newInputStream(tgz))) {
            TarUtils.untar(in, tmp, true);
        }
        Path unpacked = tmp.resolve(inner);
        if (!Files.exists(unpacked.resolve(mustContain))) {
            FileTrees.delete(tmp);
            throw new IOException(tgz + " does not contain " + inner + "/" + mustContain
                    + "; it is not the expected archive: delete it and download again");
        }
        FileTrees.delete(dir);
        Files.move(unpacked, dir);
        FileTrees.delete(tmp);
        Files.writeString(dir.resolve(".complete"), archive.url() + "\n");
        return dir;
    }
}
