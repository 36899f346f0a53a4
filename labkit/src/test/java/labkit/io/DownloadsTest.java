package labkit.io;

import static org.junit.jupiter.api.Assertions.*;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Downloads against a local HTTP server on 127.0.0.1 that honours Range requests and can cut a response. */
class DownloadsTest {
    private static final int SIZE = 300_000;
    private final byte[] content = new byte[SIZE];
    private HttpServer server;
    private final List<String> ranges = new CopyOnWriteArrayList<>();
    private final AtomicInteger requests = new AtomicInteger();
    /** How many of the next responses are cut after {@link #cutAt} bytes. */
    private final AtomicInteger cutsLeft = new AtomicInteger();
    private volatile int cutAt = 100_000;
    private String hash;

    @TempDir Path dir;

    @BeforeEach
    void start() throws IOException {
        new Random(42).nextBytes(content);
        Path tmp = Files.write(dir.resolve("content.bin"), content);
        hash = Downloads.sha256(tmp);
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/models/", this::serve);
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private void serve(HttpExchange ex) throws IOException {
        requests.incrementAndGet();
        String range = ex.getRequestHeaders().getFirst("Range");
        ranges.add(range == null ? "" : range);
        int from = 0;
        if (range != null) {
            from = Integer.parseInt(range.replace("bytes=", "").replace("-", ""));
            ex.getResponseHeaders().add("Content-Range", "bytes " + from + "-" + (SIZE - 1) + "/" + SIZE);
            ex.sendResponseHeaders(206, SIZE - from);
        } else {
            ex.sendResponseHeaders(200, SIZE);
        }
        try (OutputStream out = ex.getResponseBody()) {
            if (cutsLeft.getAndDecrement() > 0) {
                out.write(content, from, Math.min(cutAt, SIZE - from));
                out.flush();
                throw new IOException("cut on purpose"); // the connection dies with bytes still owed
            }
            out.write(content, from, SIZE - from);
        }
    }

    private String url(String name) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/models/" + name;
    }

    private Downloads.Builder downloads() {
        return Downloads.builder().cacheDir(dir.resolve("cache")).searchDirs(List.of(dir.resolve("torchhub")))
                .offline(false).progress(null).timeout(Duration.ofSeconds(10));
    }

    @Test
    void downloadsChecksTheNameHashAndCaches() throws IOException {
        RemoteFile f = RemoteFile.torchHub(url("tiny-" + hash.substring(0, 8) + ".pth"), hash);
        Path got = downloads().build().fetch(f);
        assertEquals(dir.resolve("cache").resolve(f.fileName()), got);
        assertArrayEquals(content, Files.readAllBytes(got));
        assertFalse(Files.exists(got.resolveSibling(f.fileName() + ".part")));
        int before = requests.get();
        assertEquals(got, downloads().offline(true).build().fetch(f), "second time from the cache");
        assertEquals(before, requests.get());
    }

    @Test
    void resumesACutDownloadWithARangeRequest() throws IOException {
        cutsLeft.set(1);
        RemoteFile f = RemoteFile.torchHub(url("tiny-" + hash.substring(0, 10) + ".pth"), null);
        Path got = downloads().retries(2).build().fetch(f);
        assertArrayEquals(content, Files.readAllBytes(got));
        assertEquals(2, ranges.size(), ranges.toString());
        assertEquals("", ranges.get(0));
        long resumedFrom = Long.parseLong(ranges.get(1).replace("bytes=", "").replace("-", ""));
        assertTrue(resumedFrom > 0 && resumedFrom <= cutAt, ranges.toString());
    }

    @Test
    void anInterruptedDownloadResumesOnTheNextCall() throws IOException {
        cutsLeft.set(1);
        RemoteFile f = RemoteFile.torchHub(url("tiny-" + hash.substring(0, 8) + ".pth"), null);
        IOException e = assertThrows(IOException.class, () -> downloads().retries(0).build().fetch(f));
        Path part = dir.resolve("cache").resolve(f.fileName() + ".part");
        assertTrue(e.getMessage().contains("resumes"), e.getMessage());
        assertTrue(Files.size(part) > 0 && Files.size(part) < SIZE);
        assertFalse(Files.exists(dir.resolve("cache").resolve(f.fileName())), "never renamed before the check");
        long partSize = Files.size(part);
        Path got = downloads().retries(0).build().fetch(f);
        assertArrayEquals(content, Files.readAllBytes(got));
        assertEquals("bytes=" + partSize + "-", ranges.get(ranges.size() - 1));
    }

    @Test
    void aCorruptedDownloadIsRejectedAndDeleted() {
        RemoteFile f = RemoteFile.torchHub(url("tiny-deadbeef.pth"), null);
        HashMismatchException e = assertThrows(HashMismatchException.class, () -> downloads().build().fetch(f));
        assertTrue(e.getMessage().contains("deadbeef") && e.getMessage().contains(hash), e.getMessage());
        assertFalse(Files.exists(dir.resolve("cache").resolve("tiny-deadbeef.pth")));
        assertFalse(Files.exists(dir.resolve("cache").resolve("tiny-deadbeef.pth.part")));
    }

    @Test
    void aWrongPinnedFullHashIsRejectedEvenWhenThePrefixFits() {
        String wrong = hash.substring(0, 8) + "0".repeat(56);
        RemoteFile f = RemoteFile.torchHub(url("tiny-" + hash.substring(0, 8) + ".pth"), wrong);
        assertThrows(HashMismatchException.class, () -> downloads().build().fetch(f));
    }

    @Test
    void torchHubCacheIsReusedOfflineAndCorruptCopiesAreRefused() throws IOException {
        String name = "tiny-" + hash.substring(0, 8) + ".pth";
        Path hub = Files.createDirectories(dir.resolve("torchhub"));
        Files.write(hub.resolve(name), content);
        RemoteFile f = RemoteFile.torchHub(url(name), null);
        assertEquals(hub.resolve(name), downloads().offline(true).build().fetch(f));
        assertEquals(0, requests.get());

        byte[] bad = content.clone();
        bad[1234] ^= 1;
        Files.write(hub.resolve(name), bad);
        HashMismatchException e = assertThrows(HashMismatchException.class,
                () -> downloads().offline(true).build().fetch(f));
        assertEquals(hub.resolve(name), e.file());
        assertTrue(e.getMessage().contains("Delete it"), e.getMessage());
    }

    @Test
    void offlineWithoutACopySaysWhichFileToPutWhere() {
        RemoteFile f = RemoteFile.torchHub("https://download.pytorch.org/models/mobilenet_v2-b0353104.pth", null);
        IOException e = assertThrows(IOException.class, () -> downloads().offline(true).build().fetch(f));
        String m = e.getMessage();
        assertTrue(m.contains("mobilenet_v2-b0353104.pth") && m.contains(f.url())
                && m.contains(dir.resolve("cache").toString()) && m.contains("offline"), m);
        assertEquals(0, requests.get());
    }

    @Test
    void anMd5PinnedFileIsCheckedToo() throws IOException {
        String md5 = java.util.HexFormat.of().formatHex(md5(content));
        Path got = downloads().build().fetch(RemoteFile.withMd5(url("set.tgz"), "set.tgz", md5));
        assertArrayEquals(content, Files.readAllBytes(got));
        assertThrows(HashMismatchException.class, () -> downloads().build()
                .fetch(RemoteFile.withMd5(url("other.tgz"), "other.tgz", "0".repeat(32))));
    }

    private static byte[] md5(byte[] b) {
        try {
            return java.security.MessageDigest.getInstance("MD5").digest(b);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void hashPrefixComesFromTheFileName() {
        assertEquals("b0353104", RemoteFile.hashPrefix("mobilenet_v2-b0353104.pth"));
        assertEquals("7f5810bc", RemoteFile.hashPrefix("efficientnet_b0_rwightman-7f5810bc.pth"));
        assertNull(RemoteFile.hashPrefix("weights.pth"));
        assertThrows(IllegalArgumentException.class, () -> RemoteFile.torchHub(
                "https://x/y/resnet18-f37072fd.pth", "0".repeat(64)));
    }
}
