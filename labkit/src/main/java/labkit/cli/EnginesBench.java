package labkit.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import labkit.bench.Hardware;
import labkit.export.EngineComparison;
import labkit.models.DepthNet;
import labkit.models.MobileNetV2;
import labkit.models.ResNet;
import labkit.nn.DeQuantStub;
import labkit.nn.QuantStub;
import labkit.nn.Sequential;
import labkit.quant.QConfig;
import labkit.models.SuperResolutionNet;
import labkit.models.Task1Cnn;
import tech.tablesaw.api.Table;

/**
 * {@code labkit bench engines}: one latency table per model — DJL eager fp32, DJL with BatchNorm folded, ONNX
 * Runtime fp32 and (for quantizable models) ONNX Runtime static QDQ int8 from labkit's PTQ with per-channel
 * (PerChannelMinMaxObserver) and per-tensor weights, both with 7-bit MinMax activations — at 1 and 2 threads, interleaved, with file sizes and each variant's max
 * output difference from DJL fp32; the header states the CPU, its load and the protocol. Weights are seeded random
 * and PTQ calibrates on random images: latency does not depend on the values (accuracy does: see the notebook).
 */
public final class EnginesBench {
    private EnginesBench() {}

    /**
     * The models the bench knows: a name, a builder and the input shape (batch 1); {@code quantizable} models
     * start with a QuantStub, so labkit's PTQ can quantize them and the int8 rows are measured too.
     */
    public record Case(String name, Supplier<Block> model, Shape input, boolean quantizable) {
        public Case(String name, Supplier<Block> model, Shape input) {
            this(name, model, input, false);
        }
    }

    /** The models: MobileNetV2 (torchvision's quantizable layout), the depth net, ResNet-18, Task 1 CNN, SR net. */
    public static List<Case> cases() {
        return List.of(
                new Case("mobilenet_v2", () -> MobileNetV2.builder().quantizable(true).build(),
                        new Shape(1, 3, 224, 224), true),
                new Case("depth", () -> new Sequential().add("quant", new QuantStub()).add("net", DepthNet.create())
                        .add("dequant", new DeQuantStub()), new Shape(1, 3, 224, 224), true),
                new Case("resnet18", () -> ResNet.resnet18(1000), new Shape(1, 3, 224, 224)),
                new Case("task1", () -> Task1Cnn.create(10, 32), new Shape(1, 3, 32, 32)),
                new Case("sr", SuperResolutionNet::x3, new Shape(1, 1, 64, 64)));
    }

    /** Finds a case by name, or says which exist. */
    public static Case find(String name) {
        for (Case c : cases()) {
            if (c.name().equalsIgnoreCase(name)) {
                return c;
            }
        }
        throw new IllegalArgumentException("unknown model '" + name + "'; choose one of "
                + cases().stream().map(Case::name).toList());
    }

    /**
     * Measures {@code c} (seeded random weights, PTQ calibrated on random images) at each of {@code threads}; ONNX
     * files go to {@code dir}. Quality columns say "n/a": random weights have no meaningful accuracy or SSIM (see
     * {@code --trained} and {@link labkit.tasks.Deployment}).
     */
    public static Table run(Case c, int[] threads, int rounds, int reps, Path dir) {
        String loadBefore = Hardware.loadAverage();
        EngineComparison.Builder b = EngineComparison.builder(c.name(), m -> {
            Block model = c.model().get();
            model.initialize(m, DataType.FLOAT32, c.input());
            seed(model, 1);
            return model;
        }, c.input()).threads(threads).rounds(rounds).reps(reps).dir(dir)
                .qualityColumns(c.name().equals("depth") ? new String[] {"SSIM"} : new String[] {"top-1"});
        if (c.quantizable()) {
            b.int8("per-channel", labkit.tasks.Deployment.perChannel()).int8("per-tensor", perTensor()).calibration(ptq -> {
                Random cr = new Random(3);
                try (NDManager m = NDManager.newBaseManager()) {
                    for (int i = 0; i < 4; i++) {
                        float[] cv = new float[(int) c.input().size()];
                        for (int j = 0; j < cv.length; j++) {
                            cv[j] = (float) cr.nextGaussian();
                        }
                        ptq.calibrate(m.create(cv, c.input()));
                    }
                }
            });
        }
        EngineComparison cmp = b.build();
        Table table = cmp.run();
        cmp.warnings().forEach(w -> System.out.println("warning: " + w));
        return table.setName(table.name() + " | " + Hardware.describe() + " | load before " + loadBefore
                + ", after " + Hardware.loadAverage());
    }

    /**
     * The table for a trained model, with quality: "mobilenet_v2" is Task 5's offline MobileNetV2 (width 0.5) trained
     * on Task 1's shapes (32², top-1 on the validation half), "depth" a small DepthNet (width 16, 1 repeat) trained on
     * the synthetic depth scenes (64², SSIM/MSE on the test rows). Data goes under {@code dir}.
     */
    public static Table trained(String model, int[] threads, int rounds, int reps, Path dir) {
        switch (model.toLowerCase(java.util.Locale.ROOT)) {
            case "mobilenet_v2" -> {
                labkit.tasks.Task5.Data data = labkit.tasks.Task5.offlineData(
                        labkit.tasks.Task1.syntheticData(dir.resolve("shapes")), labkit.tasks.Task5.samples(), 0);
                try (labkit.tasks.Task5.FloatModel fp32 = labkit.tasks.Task5.train(data, labkit.tasks.Task5.epochs(), 0,
                        null)) {
                    labkit.tasks.Deployment d = labkit.tasks.Deployment.classifier(fp32, data).threads(threads)
                            .rounds(rounds).reps(reps).workDir(dir);
                    Table t = d.run();
                    d.warnings().forEach(w -> System.out.println("warning: " + w));
                    return t;
                }
            }
            case "depth" -> {
                try (labkit.tasks.DepthProject.Results r = labkit.tasks.DepthProject.study(
                        labkit.tasks.DepthProject.syntheticData(dir.resolve("nyu_data"), 0)).lrs(1e-3)
                        .augmentationRun(false).imageSize(64).model(16, 1).epochs(labkit.Labkit.quick() ? 1 : 5)
                        .progress(false).build().run()) {
                    labkit.tasks.Deployment d = labkit.tasks.Deployment.depth(r.model(r.bestRun()), r.trainSet(),
                            r.testSet()).threads(threads).rounds(rounds).reps(reps).workDir(dir);
                    Table t = d.run();
                    d.warnings().forEach(w -> System.out.println("warning: " + w));
                    return t;
                }
            }
            default -> throw new IllegalArgumentException("--trained knows 'mobilenet_v2' and 'depth', not '" + model
                    + "'; drop --trained to time " + model + " with random weights");
        }
    }

    /** Per-tensor symmetric int8 weights, 7-bit (reduce_range) min/max activations. */
    static QConfig perTensor() {
        return labkit.tasks.Deployment.perTensor();
    }



    /** Seeded random weights: BN statistics included, so folding is exercised (latency does not care). */
    static void seed(Block model, long seed) {
        Random r = new Random(seed);
        for (var e : labkit.nn.BlockTree.parameters(model).entrySet()) {
            NDArray a = e.getValue().getArray();
            float[] v = new float[(int) a.size()];
            long fanIn = a.getShape().dimension() > 1 ? a.getShape().size() / a.getShape().get(0) : 1;
            for (int i = 0; i < v.length; i++) {
                v[i] = e.getKey().endsWith("running_var") ? 0.5f + r.nextFloat()
                        : a.getShape().dimension() == 1 ? (float) (e.getKey().endsWith("weight") ? 1 + 0.1 * r.nextGaussian()
                        : 0.1 * r.nextGaussian())
                        : (float) (r.nextGaussian() * Math.sqrt(1.0 / fanIn)); // keeps random-net outputs O(1)
            }
            a.set(v);
        }
    }
}
