package labkit.io;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A file to download and verify: its URL, the name it is cached under, the SHA-256 prefix its name carries
 * (torch.hub's convention: {@code mobilenet_v2-b0353104.pth} must hash to {@code b0353104…}) and, where known, the
 * full SHA-256, or an MD5 where the publisher gives only that (Imagenette). {@code aliases} are other names the same
 * bytes may have in a cache (e.g. the name an older torchvision used).
 */
public record RemoteFile(String url, String fileName, String sha256Prefix, String sha256, List<String> aliases,
        String md5) {
    private static final Pattern HASH_IN_NAME = Pattern.compile("-([a-f0-9]+)\\.");

    public RemoteFile {
        if (url == null || fileName == null || fileName.isEmpty() || fileName.contains("/")) {
            throw new IllegalArgumentException("a remote file needs a URL and a plain file name, got " + url
                    + " / " + fileName);
        }
        sha256Prefix = sha256Prefix == null ? null : sha256Prefix.toLowerCase(Locale.ROOT);
        sha256 = sha256 == null ? null : sha256.toLowerCase(Locale.ROOT);
        if (sha256 != null && (sha256.length() != 64 || (sha256Prefix != null && !sha256.startsWith(sha256Prefix)))) {
            throw new IllegalArgumentException(fileName + ": full SHA-256 " + sha256
                    + " is not 64 hex digits starting with the prefix " + sha256Prefix);
        }
        aliases = aliases == null ? List.of() : List.copyOf(aliases);
        md5 = md5 == null ? null : md5.toLowerCase(Locale.ROOT);
    }

    /**
     * A file named like torch.hub's checkpoints: the name is the URL's last segment, and the hex digits after
     * its last '-' (before the extension) must start the file's SHA-256. {@code sha256} may be null.
     */
    public static RemoteFile torchHub(String url, String sha256, String... aliases) {
        String name = URI.create(url).getPath();
        name = name.substring(name.lastIndexOf('/') + 1);
        return new RemoteFile(url, name, hashPrefix(name), sha256, List.of(aliases), null);
    }

    /** A file with a full SHA-256 and no hash in its name. */
    public static RemoteFile of(String url, String fileName, String sha256) {
        return new RemoteFile(url, fileName, null, sha256, List.of(), null);
    }

    /** A file pinned only by the MD5 its publisher gives. */
    public static RemoteFile withMd5(String url, String fileName, String md5) {
        return new RemoteFile(url, fileName, null, null, List.of(), md5);
    }

    /** True when some hash (name prefix, SHA-256 or MD5) is there to check. */
    public boolean verifiable() {
        return sha256Prefix != null || sha256 != null || md5 != null;
    }

    /** The hash prefix in a torch.hub-style file name ("resnet18-f37072fd.pth" → "f37072fd"), or null. */
    public static String hashPrefix(String fileName) {
        Matcher m = HASH_IN_NAME.matcher(fileName);
        String found = null;
        while (m.find()) {
            found = m.group(1);
        }
        return found;
    }

    /** Checks a computed SHA-256 (hex) against the prefix and the full hash; returns a reason when it fails. */
    String mismatch(String actualHex, String actualMd5) {
        if (md5 != null && !md5.equals(actualMd5)) {
            return "its MD5 " + actualMd5 + " is not the published " + md5;
        }
        if (sha256Prefix != null && !actualHex.startsWith(sha256Prefix)) {
            return "its SHA-256 " + actualHex + " does not start with " + sha256Prefix + " (the hash in the name "
                    + fileName + ")";
        }
        if (sha256 != null && !actualHex.equals(sha256)) {
            return "its SHA-256 " + actualHex + " is not the pinned " + sha256;
        }
        return null;
    }
}
