package labkit.cli;

import ai.djl.Model;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import labkit.Labkit;
import labkit.data.SuperResolutionDataset;
import labkit.tasks.Task4;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Bench: the Task 4 SR net trained with successive recipe changes (the first version's recipe, then more random
 * patches per image, L1 loss, a cosine schedule, flips, then a 10x larger rate) on tiles of real photos, PSNR (Y) against
 * bicubic ×3 on other, held-out real photos. Prints one row per recipe with the process CPU time of its training
 * (robust on a shared machine) and the wall time.
 */
@Command(name = "sr", mixinStandardHelpOptions = true,
        description = "Task 4 SR net vs bicubic ×3 on held-out real photos, one row per recipe change.")
final class SrBench implements Callable<Integer> {
    /** scikit-image's sample photos (Debian python3-skimage). */
    static final Path SKIMAGE_DATA = Path.of("/usr/lib/python3/dist-packages/skimage/data");

    @Option(names = "--photos", description = "folder of photos (default: ${DEFAULT-VALUE})")
    Path photos = SKIMAGE_DATA;

    @Option(names = "--train", split = ",", description = "training photos in --photos (default: ${DEFAULT-VALUE})")
    List<String> train = List.of("astronaut.png", "chelsea.png", "hubble_deep_field.jpg", "ihc.png",
            "motorcycle_left.png", "retina.jpg", "camera.png", "grass.png", "gravel.png", "moon.png");

    @Option(names = "--held-out", split = ",", description = "held-out photos in --photos (default: ${DEFAULT-VALUE})")
    List<String> heldOut = List.of("coffee.png", "rocket.jpg", "brick.png");

    @Option(names = "--epochs", description = "epochs per run (default: ${DEFAULT-VALUE})")
    int epochs = 10;

    @Option(names = "--patches", description = "patches per image and epoch for the many-patches rows (default: ${DEFAULT-VALUE})")
    int patches = 60;

    @Option(names = "--recipes", split = ",", description = "rows to run: legacy, patches, l1, cosine, flips, lr"
            + " (each adds its change to the previous row; default: all)")
    List<String> recipes = List.of("legacy", "patches", "l1", "cosine", "flips", "lr");

    @Override
    public Integer call() throws Exception {
        System.out.println(Labkit.init());
        List<Path> trainFiles = files(train);
        List<Path> heldOutFiles = files(heldOut);
        Map<String, Task4.Recipe> rows = new LinkedHashMap<>();
        Task4.Recipe r = new Task4.Recipe("mse", 1e-4, false, 48, 16, 1, false);
        rows.put("legacy: MSE, Adam 1e-4, 1 fixed patch/image", r);
        r = r.patchesPerImage(patches);
        rows.put("+ " + patches + " new random patches/image/epoch", r);
        r = r.loss("l1");
        rows.put("+ L1 loss", r);
        r = r.cosine(true);
        rows.put("+ cosine schedule", r);
        r = r.flips(true);
        rows.put("+ flips/rotations (the course recipe's changes)", r);
        rows.put("+ Adam 1e-3 instead of 1e-4", r.lr(1e-3));
        List<String> keys = new ArrayList<>(rows.keySet());
        List<String> codes = List.of("legacy", "patches", "l1", "cosine", "flips", "lr");
        StringColumn name = StringColumn.create("recipe");
        DoubleColumn cpu = DoubleColumn.create("train CPU s");
        DoubleColumn wall = DoubleColumn.create("train wall s");
        DoubleColumn bic = DoubleColumn.create("bicubic dB");
        DoubleColumn net = DoubleColumn.create("SR net dB");
        DoubleColumn gain = DoubleColumn.create("gain dB");
        SuperResolutionDataset held = Task4.heldOutSet(heldOutFiles);
        for (int i = 0; i < keys.size(); i++) {
            if (!recipes.contains(codes.get(i))) {
                continue;
            }
            Task4.Recipe recipe = rows.get(keys.get(i));
            SuperResolutionDataset ds = Task4.trainSet(trainFiles, recipe);
            try (Model model = Task4.model()) {
                long c0 = cpuNanos();
                long t0 = System.nanoTime();
                try {
                    Task4.train(model, ds, null, epochs, 42, recipe);
                } catch (IllegalStateException diverged) {
                    System.out.println(keys.get(i) + ": " + diverged.getMessage());
                    name.append(keys.get(i) + " (diverged)");
                    cpu.append((cpuNanos() - c0) / 1e9);
                    wall.append((System.nanoTime() - t0) / 1e9);
                    bic.append(Double.NaN);
                    net.append(Double.NaN);
                    gain.append(Double.NaN);
                    continue;
                }
                double c = (cpuNanos() - c0) / 1e9;
                double w = (System.nanoTime() - t0) / 1e9;
                Table t = Task4.psnrTable(model, held);
                System.out.println(t.print());
                int last = t.rowCount() - 1;
                name.append(keys.get(i));
                cpu.append(Math.round(c));
                wall.append(Math.round(w));
                bic.append(round2(t.doubleColumn(1).get(last)));
                net.append(round2(t.doubleColumn(2).get(last)));
                gain.append(round2(t.doubleColumn(3).get(last)));
                System.out.printf(Locale.ROOT, "%s: %.2f dB gain, %.0f CPU s, %.0f s%n", keys.get(i),
                        t.doubleColumn(3).get(last), c, w);
            }
        }
        System.out.println(Table.create(String.format(Locale.ROOT, "Task 4 SR net ×3, %d epochs on %d real photos,"
                + " PSNR (Y) on %s", epochs, trainFiles.size(), heldOut), name, cpu, wall, bic, net, gain).print());
        return 0;
    }

    private static double round2(double v) {
        return Math.round(v * 100) / 100.0;
    }

    private List<Path> files(List<String> names) {
        List<Path> out = new ArrayList<>();
        for (String n : names) {
            Path p = photos.resolve(n);
            if (!Files.isRegularFile(p)) {
                throw new IllegalArgumentException("photo not found: " + p + " (install Debian's python3-skimage or"
                        + " pass --photos)");
            }
            out.add(p);
        }
        return out;
    }

    /** CPU time of the whole process (all threads, PyTorch's included). */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }
}
