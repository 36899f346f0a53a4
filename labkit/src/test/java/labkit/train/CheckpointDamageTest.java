package labkit.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 25: a damaged newest checkpoint is skipped (saying which and why) and training resumes from the newest
 * intact one, exactly; a full disk while writing history or checkpoints names the file and the fix and leaves the
 * files already saved as they were.
 */
class CheckpointDamageTest {
    @TempDir Path tmp;

    @BeforeAll
    static void data() {
        FitTest.setUp();
    }

    @org.junit.jupiter.api.AfterAll
    static void closeData() {
        FitTest.tearDown();
    }

    @AfterEach
    void restoreStreams() {
        AtomicFile.streams = UnaryOperator.identity();
    }

    /** A stream that takes {@code budget} bytes and then fails as a full disk does. */
    static UnaryOperator<OutputStream> diskFullAfter(long budget) {
        long[] left = {budget};
        return out -> new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (len > left[0]) {
                    throw new IOException("No space left on device");
                }
                left[0] -= len;
                out.write(b, off, len);
            }
        };
    }

    private Path trainThreeEpochs(Path dir) {
        try (Fit fit = FitTest.settings(FitTest.net()).epochs(3).checkpointDir(dir).keepCheckpoints(3).build()) {
            fit.fit(FitTest.train, FitTest.val);
        }
        return dir;
    }

    @Test
    void aTruncatedOrEmptyFileMakesLatestFallBackAndSayWhy() throws IOException {
        Path dir = trainThreeEpochs(tmp.resolve("run"));
        Checkpoints c = new Checkpoints(dir);
        assertEquals(Optional.of(dir.resolve("epoch-0003")), c.latest());
        assertEquals(List.of(), c.skipped());

        Path params = dir.resolve("epoch-0003").resolve("model.params");
        try (FileChannel ch = FileChannel.open(params, StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() / 2);
        }
        Files.write(dir.resolve("epoch-0002").resolve("state.properties"), new byte[0]);
        assertEquals(Optional.of(dir.resolve("epoch-0001")), c.latest());
        assertEquals(2, c.skipped().size(), c.skipped().toString());
        assertTrue(c.skipped().get(0).contains("epoch-0003") && c.skipped().get(0).contains("model.params is truncated"),
                c.skipped().get(0));
        assertTrue(c.skipped().get(1).contains("epoch-0002") && c.skipped().get(1).contains("empty"),
                c.skipped().get(1));

        Files.writeString(dir.resolve("epoch-0001").resolve("history.csv"), "epoch,train_loss\n");
        assertEquals(Optional.empty(), c.latest());
        assertTrue(c.skipped().get(2).contains("history.csv has 0 rows for 1 epochs"), c.skipped().toString());
    }

    @Test
    void resumeFromTheNewestIntactCheckpointEqualsTheUninterruptedRun() throws IOException {
        Map<String, float[]> straight;
        try (Fit fit = FitTest.settings(FitTest.net()).epochs(3).checkpointDir(tmp.resolve("a")).build()) {
            fit.fit(FitTest.train, FitTest.val);
            straight = FitTest.weights(fit);
        }
        Path dir = trainThreeEpochs(tmp.resolve("b"));
        // epoch 3's weights are cut short and epoch 2's loop state is empty: resume from epoch 1, train 2 and 3 again
        Path params = dir.resolve("epoch-0003").resolve("model.params");
        try (FileChannel ch = FileChannel.open(params, StandardOpenOption.WRITE)) {
            ch.truncate(100);
        }
        Files.write(dir.resolve("epoch-0002").resolve("state.properties"), new byte[0]);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Fit fit = FitTest.settings(FitTest.net()).epochs(3).checkpointDir(dir)
                .progress(new PrintStream(log, true)).build()) {
            History h = fit.fit(FitTest.train, FitTest.val);
            String out = log.toString();
            assertTrue(out.contains("skipped checkpoint " + dir.resolve("epoch-0003")) && out.contains("truncated"), out);
            assertTrue(out.contains("skipped checkpoint " + dir.resolve("epoch-0002")), out);
            assertTrue(out.contains("resumed from " + dir.resolve("epoch-0001")), out);
            assertEquals(3, h.size());
            Map<String, float[]> w = FitTest.weights(fit);
            straight.forEach((k, v) -> assertArrayEquals(v, w.get(k), 1e-6f, k));
        }
        assertNull(Checkpoints.damage(dir.resolve("epoch-0003")), "epoch 3 was written again, whole");
    }

    @Test
    void aFullDiskWhileWritingHistoryNamesTheFileAndKeepsTheOldOne() throws IOException {
        History h = History.empty("run", List.of(History.TRAIN_LOSS));
        h.append(1, Map.of(History.TRAIN_LOSS, 0.5));
        Path file = tmp.resolve("history.csv");
        h.saveCsv(file);
        String before = Files.readString(file);
        h.append(2, Map.of(History.TRAIN_LOSS, 0.25));
        AtomicFile.streams = diskFullAfter(10);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> h.saveCsv(file));
        assertTrue(e.getMessage().contains(file.toAbsolutePath().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("No space left on device") && e.getMessage().contains("keepCheckpoints(1)")
                && e.getMessage().contains("free"), e.getMessage());
        assertEquals(before, Files.readString(file), "the saved history is unchanged");
        assertFalse(Files.exists(tmp.resolve("history.csv.tmp")), "no temporary file left");
    }

    @Test
    void aFullDiskDuringACheckpointKeepsTheEarlierCheckpointsWhole() throws IOException {
        Path dir = tmp.resolve("full");
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        try (Fit fit = FitTest.settings(FitTest.net()).epochs(3).checkpointDir(dir).keepCheckpoints(3)
                .progress(new PrintStream(log, true))
                .onEpochEnd(hist -> {
                    if (hist.size() == 1) {
                        AtomicFile.streams = diskFullAfter(5000); // less than one model.params
                    }
                }).build()) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class,
                    () -> fit.fit(FitTest.train, FitTest.val));
            assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("No space left on device")
                    && e.getMessage().contains("keepCheckpoints(1)"), e.getMessage());
            assertFalse(e.getMessage().contains("null"), e.getMessage());
        }
        AtomicFile.streams = UnaryOperator.identity();
        Checkpoints c = new Checkpoints(dir);
        assertEquals(Optional.of(dir.resolve("epoch-0001")), c.latest(), c.skipped().toString());
        assertEquals(2, History.readCsv(dir.resolve("history.csv")).size() + 1,
                "the top-level history.csv is the one of epoch 1, whole");
        assertFalse(Files.exists(dir.resolve("epoch-0002.partial")), "the half-written checkpoint is removed");
    }

    /**
     * The same on a real full disk: set {@code LABKIT_SMALL_DISK} to an empty folder on a tiny file system, e.g.
     * {@code mount -t tmpfs -o size=256k tmpfs /tmp/small} (as root). Skipped otherwise.
     */
    @Test
    @org.junit.jupiter.api.condition.EnabledIfEnvironmentVariable(named = "LABKIT_SMALL_DISK", matches = ".+")
    void aRealFullDiskNamesThePathAndKeepsWhatWasSaved() throws IOException {
        Path dir = Path.of(System.getenv("LABKIT_SMALL_DISK")).resolve("run-" + System.nanoTime());
        try (Fit fit = FitTest.settings(FitTest.net()).epochs(50).checkpointDir(dir).keepCheckpoints(50).build()) {
            UncheckedIOException e = assertThrows(UncheckedIOException.class,
                    () -> fit.fit(FitTest.train, FitTest.val));
            assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("No space left on device")
                    && e.getMessage().contains("keepCheckpoints(1)"), e.getMessage());
            System.out.println("full disk: " + e.getMessage());
        }
        Checkpoints c = new Checkpoints(dir);
        Optional<Path> latest = c.latest();
        assertTrue(latest.isPresent(), "an intact checkpoint survives");
        assertEquals(List.of(), c.skipped());
        int epochs = Integer.parseInt(latest.get().getFileName().toString().substring("epoch-".length()));
        assertEquals(epochs, History.readCsv(dir.resolve("history.csv")).size(), "history.csv is whole");
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.toString().endsWith(".partial") || p.toString().endsWith(".tmp")));
        }
        c.clear();
    }
}
