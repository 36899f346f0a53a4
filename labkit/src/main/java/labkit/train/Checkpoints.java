package labkit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Stream;
import labkit.io.FileTrees;
import labkit.nn.BlockTree;

/**
 * A folder of per-epoch training checkpoints. Each {@code epoch-NNNN/} holds the model weights under
 * PyTorch-style names ({@code model.params}), the optimizer buffers ({@code optimizer.state}), the history so
 * far ({@code history.csv}) and the loop state ({@code state.properties}: epoch, seed, early-stopping counters,
 * a signature of the model's parameter names and shapes). A checkpoint is written to a {@code .partial} folder
 * (each file synced to disk) and renamed when complete; {@link #latest()} still checks every file of a checkpoint
 * and falls back to the newest intact one, listing in {@link #skipped()} which it passed over and why. The latest
 * {@code history.csv} is also kept at the top of the folder for students to open (replaced atomically). A write
 * that fails (a full disk) names the file and suggests freeing space or {@code keepCheckpoints(1)}.
 */
public final class Checkpoints {
    /** The loop state saved with each checkpoint. */
    public record LoopState(int epochsDone, long seed, double bestValue, int bestEpoch, int badEpochs, boolean stopped) {}

    private static final String PREFIX = "epoch-";
    private static final List<String> STATE_KEYS = List.of("epochs_done", "seed", "best_value", "best_epoch",
            "bad_epochs", "stopped", "model_signature");
    private final Path dir;
    private final List<String> skipped = new ArrayList<>();

    public Checkpoints(Path dir) {
        this.dir = dir;
    }

    /** The folder. */
    public Path dir() {
        return dir;
    }

    /**
     * The newest intact checkpoint folder, if any: complete state, weights, optimizer state and history. Newer
     * damaged ones (a truncated file, an empty {@code state.properties}) are passed over and described in
     * {@link #skipped()}; they stay on disk until a new checkpoint of that epoch replaces them.
     */
    public Optional<Path> latest() {
        skipped.clear();
        if (!Files.isDirectory(dir)) {
            return Optional.empty();
        }
        List<Path> all;
        try (Stream<Path> s = Files.list(dir)) {
            all = s.filter(p -> p.getFileName().toString().matches(PREFIX + "\\d{4}"))
                    .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()).reversed()).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoint folder " + dir, e);
        }
        for (Path p : all) {
            String damage = damage(p);
            if (damage == null) {
                return Optional.of(p);
            }
            skipped.add("skipped checkpoint " + p + ": " + damage);
        }
        return Optional.empty();
    }

    /** What {@link #latest()} passed over, newest first, one line each ("skipped checkpoint …: why"). */
    public List<String> skipped() {
        return List.copyOf(skipped);
    }

    /** Why a checkpoint folder cannot be resumed from, or null when all its files are whole. */
    static String damage(Path checkpoint) {
        Path stateFile = checkpoint.resolve("state.properties");
        if (!Files.isRegularFile(stateFile)) {
            return "state.properties is missing";
        }
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(stateFile)) {
            p.load(r);
        } catch (IOException | IllegalArgumentException e) {
            return "state.properties cannot be read (" + e.getMessage() + ")";
        }
        for (String key : STATE_KEYS) {
            if (p.getProperty(key) == null) {
                return "state.properties has no " + key + (p.isEmpty() ? " (the file is empty)" : "");
            }
        }
        int epochs;
        try {
            epochs = Integer.parseInt(p.getProperty("epochs_done"));
            Long.parseLong(p.getProperty("seed"));
            Double.parseDouble(p.getProperty("best_value"));
            Integer.parseInt(p.getProperty("best_epoch"));
            Integer.parseInt(p.getProperty("bad_epochs"));
        } catch (NumberFormatException e) {
            return "state.properties holds a malformed number (" + e.getMessage() + ")";
        }
        for (String f : List.of("model.params", "optimizer.state")) {
            try {
                StateFile.verify(checkpoint.resolve(f));
            } catch (IOException e) {
                return e.getMessage();
            }
        }
        Path csv = checkpoint.resolve("history.csv");
        try {
            long rows = Files.readAllLines(csv).stream().filter(l -> !l.isBlank()).count() - 1;
            if (rows < 0 || !Files.readAllLines(csv).get(0).startsWith("epoch")) {
                return "history.csv has no header";
            }
            if (rows != epochs) {
                return "history.csv has " + rows + " rows for " + epochs + " epochs";
            }
        } catch (IOException e) {
            return "history.csv cannot be read (" + e.getMessage() + ")";
        }
        return null;
    }

    /** The file where the best epoch's weights are kept. */
    public Path bestWeights() {
        return dir.resolve("best.params");
    }

    /** A stable description of the model's parameters ("name shape;" for each), to refuse foreign checkpoints. */
    public static String signature(Block block) {
        StringBuilder sb = new StringBuilder();
        for (Map.Entry<String, Parameter> e : BlockTree.parameters(block).entrySet()) {
            NDArray a = e.getValue().getArray();
            sb.append(e.getKey()).append(' ').append(a == null ? "?" : a.getShape()).append(';');
        }
        return Integer.toHexString(sb.toString().hashCode()) + ":" + BlockTree.parameters(block).size();
    }

    /** Model weights (and BatchNorm statistics) by PyTorch-style name, as live arrays. */
    public static Map<String, NDArray> weights(Block block) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, Parameter> e : BlockTree.parameters(block).entrySet()) {
            out.put(e.getKey(), e.getValue().getArray());
        }
        return out;
    }

    /** Copies named arrays into the block's parameters in place (shapes must match). */
    public static void loadWeights(Block block, Map<String, NDArray> named, Path source) {
        Map<String, Parameter> params = BlockTree.parameters(block);
        if (!params.keySet().equals(named.keySet())) {
            List<String> missing = new ArrayList<>(params.keySet());
            missing.removeAll(named.keySet());
            List<String> extra = new ArrayList<>(named.keySet());
            extra.removeAll(params.keySet());
            throw new IllegalArgumentException("weights in " + source + " do not fit this model: missing " + missing
                    + ", unexpected " + extra + "; use a checkpoint made for the same architecture");
        }
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            NDArray target = e.getValue().getArray();
            NDArray src = named.get(e.getKey());
            if (!target.getShape().equals(src.getShape())) {
                throw new IllegalArgumentException("weight " + e.getKey() + " in " + source + " has shape "
                        + src.getShape() + ", the model expects " + target.getShape());
            }
            target.set(src.toType(target.getDataType(), false).toByteBuffer());
        }
    }

    /** Writes a complete checkpoint for {@code state.epochsDone()}, then keeps only the newest {@code keep}. */
    public Path save(Block block, Map<String, NDArray> optimizerState, History history, LoopState state,
            int keep) throws IOException {
        Files.createDirectories(dir);
        String name = String.format(Locale.ROOT, PREFIX + "%04d", state.epochsDone());
        Path partial = dir.resolve(name + ".partial");
        Path done = dir.resolve(name);
        try {
            writeCheckpoint(partial, block, optimizerState, history, state);
            FileTrees.delete(done);
            Files.move(partial, done, StandardCopyOption.ATOMIC_MOVE);
            AtomicFile.syncFolder(dir);
            saveHistory(history, dir.resolve("history.csv"));
        } catch (IOException e) {
            try {
                FileTrees.delete(partial);
            } catch (IOException ignored) {
                // report the write error
            }
            if (AtomicFile.isDiskFull(e) && !e.getMessage().contains("keepCheckpoints")) {
                throw AtomicFile.failure(partial, e);
            }
            throw e;
        }
        prune(keep);
        return done;
    }

    private static void saveHistory(History history, Path file) throws IOException {
        try {
            history.saveCsv(file);
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    private static void writeCheckpoint(Path partial, Block block, Map<String, NDArray> optimizerState,
            History history, LoopState state) throws IOException {
        FileTrees.delete(partial);
        Files.createDirectories(partial);
        StateFile.write(partial.resolve("model.params"), weights(block));
        StateFile.write(partial.resolve("optimizer.state"), optimizerState);
        saveHistory(history, partial.resolve("history.csv"));
        Properties p = new Properties();
        p.setProperty("epochs_done", String.valueOf(state.epochsDone()));
        p.setProperty("seed", String.valueOf(state.seed()));
        p.setProperty("best_value", String.valueOf(state.bestValue()));
        p.setProperty("best_epoch", String.valueOf(state.bestEpoch()));
        p.setProperty("bad_epochs", String.valueOf(state.badEpochs()));
        p.setProperty("stopped", String.valueOf(state.stopped()));
        p.setProperty("model_signature", signature(block));
        AtomicFile.write(partial.resolve("state.properties"), out -> {
            Writer w = new java.io.OutputStreamWriter(out, java.nio.charset.StandardCharsets.ISO_8859_1);
            p.store(w, "labkit training checkpoint");
            w.flush();
        });
    }

    /** Reads the loop state of a checkpoint folder and checks it belongs to {@code block} and {@code seed}. */
    public LoopState readState(Path checkpoint, Block block, long seed) throws IOException {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(checkpoint.resolve("state.properties"))) {
            p.load(r);
        }
        String sig = p.getProperty("model_signature");
        if (!signature(block).equals(sig)) {
            throw new IllegalStateException("checkpoint " + checkpoint + " was made for a different model (parameter"
                    + " names or shapes differ); delete " + dir + " or choose another checkpointDir");
        }
        long savedSeed = Long.parseLong(p.getProperty("seed"));
        if (savedSeed != seed) {
            throw new IllegalStateException("checkpoint " + checkpoint + " was made with seed " + savedSeed
                    + ", this run uses seed " + seed + "; use the same seed to resume, or another checkpointDir");
        }
        return new LoopState(Integer.parseInt(p.getProperty("epochs_done")), savedSeed,
                Double.parseDouble(p.getProperty("best_value")), Integer.parseInt(p.getProperty("best_epoch")),
                Integer.parseInt(p.getProperty("bad_epochs")), Boolean.parseBoolean(p.getProperty("stopped")));
    }

    /** Reads a checkpoint's model weights and optimizer state into {@code manager}. */
    public static Map<String, NDArray> readArrays(Path file, NDManager manager) throws IOException {
        return StateFile.read(file, manager);
    }

    private void prune(int keep) throws IOException {
        List<Path> all;
        try (Stream<Path> s = Files.list(dir)) {
            all = s.filter(p -> p.getFileName().toString().matches(PREFIX + "\\d{4}"))
                    .sorted(Comparator.comparing(p -> p.getFileName().toString())).toList();
        }
        for (int i = 0; i < all.size() - Math.max(1, keep); i++) {
            FileTrees.delete(all.get(i));
        }
    }

    /** Removes every checkpoint in the folder (for a fresh start). */
    public void clear() throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> s = Files.list(dir)) {
            for (Path p : s.toList()) {
                String n = p.getFileName().toString();
                if (n.startsWith(PREFIX) || n.equals("best.params") || n.equals("history.csv")) {
                    FileTrees.delete(p);
                }
            }
        }
    }
}
