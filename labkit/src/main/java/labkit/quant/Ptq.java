package labkit.quant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import labkit.nn.Act;
import labkit.nn.Add;
import labkit.nn.BlockTree;
import labkit.nn.ConvAct;
import labkit.nn.GlobalAvgPool;
import labkit.nn.QuantStub;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * Post-training static quantization in PyTorch's eager-mode steps, simulated in DJL:
 * <pre>
 * Ptq ptq = Ptq.prepare(model, QConfig.fbgemm());   // fuse Conv+BN(+ReLU), insert observers
 * ptq.calibrate(batches);                            // run float batches, observers record ranges
 * Block q = ptq.convert();                           // int8-rounded weights, fake-quantized activations
 * Table t = ptq.qparamsTable();                      // per-layer scales and zero points
 * </pre>
 * Observers go where PyTorch's {@code prepare} puts them for the quantizable MobileNetV2: after every
 * {@link QuantStub}, fused {@link ConvAct}, unfused Conv2d/Linear, unfused BatchNorm, residual {@link Add} and
 * lone activation; one
 * weight observer per Conv2d/Linear. The model is changed in place (as {@code prepare(..., inplace=True)}).
 *
 * <p>{@link #convert()} also does what torch's int8 kernels do beyond rounding weights and activations: each
 * conv/linear bias is put on the int32 grid of {@code input_scale × weight_scale} (per output channel, zero point
 * 0, round half to even, as qnnpack's {@code quantize_per_channel(bias, ..., kQInt32)}), and each
 * {@link GlobalAvgPool} between quantized tensors is wrapped in a frozen {@link Observed} that rounds its output
 * onto its input's grid (torch's quantized {@code adaptive_avg_pool2d} keeps the input's scale and zero point).
 * Which grid a layer's input lies on is found by one tracing forward with a seeded random input: the last
 * quantized output before it, checked value by value; a layer whose input is on no known grid keeps a float bias
 * (listed by {@link #floatBiases()}).
 */
public final class Ptq {
    private final Block model;
    private final QConfig qconfig;
    private final QConfigMapping mapping;
    private final List<BnFusion.Fused> fused;
    private final Map<String, Observed> activations = new LinkedHashMap<>();
    private final Map<String, Observer> weightObservers = new LinkedHashMap<>();
    private final Map<String, QParams> weightQParams = new LinkedHashMap<>();
    private final boolean qat;
    private final Map<String, QatLayer> qatLayers = new LinkedHashMap<>();
    private final Map<String, QatConvBn> qatConvBns = new LinkedHashMap<>();
    private final Map<String, String> weightToActivation = new LinkedHashMap<>();
    private final Map<String, Observed> pools = new LinkedHashMap<>();
    private final List<String> floatBiases = new ArrayList<>();
    private boolean converted;
    private int batches;
    private boolean activationRangesFrozen;

    Ptq(Block model, QConfig qconfig, boolean qat) {
        this(model, qconfig, qat, true);
    }

    Ptq(Block model, QConfig qconfig, boolean qat, boolean fuse) {
        this(model, qconfig, qat, fuse, false);
    }

    /** With {@code keepBatchNorm} (QAT only), Conv2d → BN (→ ReLU) runs become {@link QatConvBn}s instead of folding. */
    Ptq(Block model, QConfig qconfig, boolean qat, boolean fuse, boolean keepBatchNorm) {
        this(model, QConfigMapping.of(qconfig), qat, fuse, keepBatchNorm);
    }

    /** As above with a QConfig per layer ({@link QConfigMapping}: mixed precision). */
    Ptq(Block model, QConfigMapping mapping, boolean qat, boolean fuse, boolean keepBatchNorm) {
        this.model = model;
        this.mapping = mapping;
        this.qconfig = mapping.byModule().isEmpty() ? mapping.global() : mapping.asQConfig();
        this.qat = qat;
        List<BnFusion.Fused> f = new ArrayList<>();
        if (keepBatchNorm) {
            f.addAll(wrapConvBn(model, mapping));
        }
        if (fuse) {
            f.addAll(BnFusion.fuse(model));
        }
        this.fused = f;
        splitSilus(model);
        insertObservers();
    }

    /**
     * As {@link BnFusion#fuse} but for QAT with live BatchNorm: each Conv2d → BN (→ ReLU) in a Sequential becomes a
     * {@link QatConvBn} (in a {@link ConvAct} with the ReLU), the BN/ReLU slots {@link labkit.nn.Identity}.
     */
    private static List<BnFusion.Fused> wrapConvBn(Block model, QConfigMapping qconfigs) {
        List<Map.Entry<String, labkit.nn.Sequential>> seqs = new ArrayList<>();
        BlockTree.visit(model, (path, b) -> {
            if (b instanceof labkit.nn.Sequential sq && !(b instanceof ConvAct)) {
                seqs.add(Map.entry(path, sq));
            }
        });
        List<BnFusion.Fused> out = new ArrayList<>();
        for (Map.Entry<String, labkit.nn.Sequential> e : seqs) {
            labkit.nn.Sequential sq = e.getValue();
            List<String> names = BlockTree.childNames(sq);
            String prefix = e.getKey().isEmpty() ? "" : e.getKey() + ".";
            for (int i = 0; i + 1 < names.size(); i++) {
                Block layer = sq.getChildren().valueAt(i);
                Block next = sq.getChildren().valueAt(i + 1);
                if (!(layer instanceof Conv2d conv) || !(next instanceof ai.djl.nn.norm.BatchNorm bn)) {
                    continue;
                }
                QatConvBn q = new QatConvBn(conv, bn, qconfigs.forPath(prefix + names.get(i)).weight().get());
                Block after = i + 2 < names.size() ? sq.getChildren().valueAt(i + 2) : null;
                if (after instanceof Act act && act.kind() == Act.Kind.RELU) {
                    sq.replaceChild(names.get(i), new ConvAct(q, act));
                    sq.replaceChild(names.get(i + 1), new labkit.nn.Identity());
                    sq.replaceChild(names.get(i + 2), new labkit.nn.Identity());
                    out.add(new BnFusion.Fused(prefix + names.get(i), prefix + names.get(i + 1),
                            prefix + names.get(i + 2)));
                    i += 2;
                } else {
                    sq.replaceChild(names.get(i), q);
                    sq.replaceChild(names.get(i + 1), new labkit.nn.Identity());
                    out.add(new BnFusion.Fused(prefix + names.get(i), prefix + names.get(i + 1), null));
                    i += 1;
                }
            }
        }
        return out;
    }

    /**
     * Fuses {@code model} (initialized, with trained weights and BN statistics) and inserts observers from
     * {@code qconfig}. The model needs a {@link QuantStub} at its input, as in PyTorch's eager mode (e.g.
     * {@code MobileNetV2.builder().quantizable(true)}).
     */
    public static Ptq prepare(Block model, QConfig qconfig) {
        checkPreparable(model);
        return new Ptq(model, qconfig, false);
    }

    /**
     * As {@link #prepare(Block, QConfig)} with a QConfig per layer, e.g. 4-bit weights except the first and last
     * layer at 8 bits: {@code QConfigMapping.of(LowBit.minMax(4, 8)).with("conv1", LowBit.minMax(8, 8))}. A fused
     * Conv+BN+ReLU takes the QConfig of its path (weight observer at {@code path.0}, matched through its parent).
     */
    public static Ptq prepare(Block model, QConfigMapping qconfigs) {
        checkPreparable(model);
        return new Ptq(model, qconfigs, false, true, false);
    }

    /**
     * As {@link #prepare} but without BN fusion, as PyTorch's eager mode when {@code fuse_modules} is skipped:
     * every Conv2d output, BatchNorm output and activation gets its own observer (quantized BatchNorm2d
     * re-quantizes), so each BN adds one more int8 rounding. For comparing against the fused model.
     */
    public static Ptq prepareUnfused(Block model, QConfig qconfig) {
        checkPreparable(model);
        return new Ptq(model, qconfig, false, false);
    }

    static void checkPreparable(Block model) {
        if (BlockTree.find(model, QuantStub.class).isEmpty()) {
            throw new IllegalArgumentException("the model has no QuantStub: put one at its input (as PyTorch's "
                    + "eager mode needs), e.g. MobileNetV2.builder().quantizable(true)");
        }
        if (!BlockTree.find(model, Observed.class).isEmpty()) {
            throw new IllegalArgumentException("the model already has observers (prepared twice?)");
        }
    }

    private void insertObservers() {
        List<String> actPaths = new ArrayList<>();
        List<String> weightPaths = new ArrayList<>();
        collect(model, "", actPaths, weightPaths);
        for (String path : weightPaths) {
            Block target = BlockTree.get(model, path);
            if (target instanceof QatConvBn qcb) {
                qcb.weightObserver().layer(path);
                qatConvBns.put(path, qcb);
                weightObservers.put(path, qcb.weightObserver());
                weightToActivation.put(path, actPaths.contains(path) ? path : path.substring(0, path.length() - 2));
                continue;
            }
            Observer o = mapping.forPath(path).weight().get().layer(path);
            requireOutputChannelAxis(o, path, BlockTree.parameters(target).get("weight"));
            if (qat) {
                QatLayer ql = new QatLayer(BlockTree.get(model, path), o);
                BlockTree.replace(model, path, ql);
                qatLayers.put(path, ql);
            } else {
                o.observe(BlockTree.parameters(BlockTree.get(model, path)).get("weight").getArray());
            }
            weightObservers.put(path, o);
            weightToActivation.put(path, actPaths.contains(path) ? path : path.substring(0, path.length() - 2));
        }
        for (String path : actPaths) {
            Block b = BlockTree.get(model, path);
            Observed w = new Observed(b, mapping.forPath(path).activation().get().layer(path));
            if (qat) {
                w.mode(Observed.Mode.OBSERVE_AND_FAKE_QUANT);
            }
            BlockTree.replace(model, path, w);
            activations.put(path, w);
        }
    }

    /**
     * A per-channel weight observer must split the weight along its output channels (axis 0, PyTorch's
     * {@code ch_axis=0} for Conv2d and Linear): the bias and the int8 kernels use one scale per output channel.
     */
    private static void requireOutputChannelAxis(Observer o, String path, Parameter weight) {
        if (!(o instanceof PerChannelMinMaxObserver pc) || weight == null || weight.getArray() == null) {
            return;
        }
        int dims = weight.getArray().getShape().dimension();
        int axis = pc.chAxis() < 0 ? pc.chAxis() + dims : pc.chAxis();
        if (axis != 0) {
            throw new IllegalArgumentException("chAxis " + pc.chAxis() + " of the weight observer for layer '" + path
                    + "' (weight shape " + weight.getArray().getShape() + "): weights are quantized per output"
                    + " channel, chAxis 0 (as PyTorch's per-channel weight observers); fix the qconfig's weight"
                    + " observer");
        }
    }

    /**
     * Replaces every SiLU {@link Act} by a {@link SplitSilu}, so σ(x) gets an observer of its own and int8 models
     * run SiLU as int8 sigmoid and multiply (the exported model computes what the simulated one does).
     */
    private static void splitSilus(Block model) {
        List<String> paths = new ArrayList<>();
        BlockTree.visit(model, (path, b) -> {
            if (b instanceof Act a && a.kind() == Act.Kind.SILU && !path.isEmpty()) {
                paths.add(path);
            }
        });
        for (String path : paths) {
            BlockTree.replace(model, path, new SplitSilu());
        }
    }

    /**
     * Finds observation points without descending into fused modules. Besides PyTorch's eager-mode points, the
     * outputs of a {@link labkit.nn.Mul} (squeeze-excitation's scale), a {@link labkit.nn.Concat}, a
     * {@link labkit.nn.QuantPoint} (a BiFPN node's fused sum) and both ops of a {@link SplitSilu} are observed, so
     * that every op ONNX Runtime has an int8 kernel for runs on int8.
     */
    private static void collect(Block b, String path, List<String> acts, List<String> weights) {
        if (b instanceof ConvAct ca) {
            acts.add(path);
            weights.add(path + ".0");
            return;
        }
        if (b instanceof Conv2d || b instanceof Linear || b instanceof QatConvBn) {
            acts.add(path);
            weights.add(path);
            return;
        }
        if (b instanceof SplitSilu) {
            acts.add(path);
            acts.add(path + ".sigmoid");
            return;
        }
        if (b instanceof labkit.nn.Mul || b instanceof labkit.nn.Concat || b instanceof labkit.nn.QuantPoint) {
            acts.add(path);
            return;
        }
        if (b instanceof QuantStub || b instanceof Add || b instanceof ai.djl.nn.norm.BatchNorm || (b instanceof Act a && a.kind() != Act.Kind.IDENTITY)) {
            acts.add(path);
            return;
        }
        for (String name : BlockTree.childNames(b)) {
            collect(BlockTree.get(b, name), path.isEmpty() ? name : path + "." + name, acts, weights);
        }
    }

    /** Runs one float batch through the model in eval mode so the observers see it. */
    public Ptq calibrate(NDArray batch) {
        if (qat) {
            throw new IllegalStateException("a QAT model learns its ranges in training: train qat.model(), no calibrate");
        }
        requireNotConverted("calibrate");
        try (NDManager sub = batch.getManager().newSubManager()) {
            NDArray x = batch.toType(DataType.FLOAT32, true);
            x.attach(sub);
            model.forward(new ParameterStore(sub, false), new NDList(x), false);
        }
        batches++;
        return this;
    }

    /**
     * QAT's PTQ step: one eval-mode forward in which the activation observers only watch (nothing is
     * fake-quantized), as {@link #calibrate(NDArray)} does for PTQ; modes are restored after.
     */
    void calibrateQat(NDArray batch) {
        requireNotConverted("calibrate");
        if (activationRangesFrozen) {
            throw new IllegalStateException("activation ranges are frozen: calibrate before freezeActivationRanges()");
        }
        activations.values().forEach(o -> o.mode(Observed.Mode.OBSERVE));
        try (NDManager sub = batch.getManager().newSubManager()) {
            NDArray x = batch.toType(DataType.FLOAT32, true);
            x.attach(sub);
            model.forward(new ParameterStore(sub, false), new NDList(x), false);
        } finally {
            activations.values().forEach(o -> o.mode(Observed.Mode.OBSERVE_AND_FAKE_QUANT));
        }
        batches++;
    }

    /** QAT: every activation fake-quant keeps the qparams its observer holds now and stops observing. */
    void freezeActivationRanges() {
        requireNotConverted("freeze activation ranges");
        activations.forEach((path, o) -> {
            if (!o.observer().hasObserved()) {
                throw new IllegalStateException("observer at '" + path + "' has seen no data: train or calibrate "
                        + "before freezing the activation ranges");
            }
        });
        activations.values().forEach(Observed::freeze);
        activationRangesFrozen = true;
    }

    boolean activationRangesFrozen() {
        return activationRangesFrozen;
    }

    /** Runs every batch (e.g. a few hundred calibration images in batches). */
    public Ptq calibrate(Iterable<NDArray> data) {
        for (NDArray b : data) {
            calibrate(b);
        }
        return this;
    }

    /**
     * Calibrates on at most {@code maxBatches} batches of a DJL dataset iterable
     * ({@code dataset.getData(manager)}), using each batch's first data array; every batch is closed after use.
     */
    public Ptq calibrate(Iterable<ai.djl.training.dataset.Batch> batches, int maxBatches) {
        if (maxBatches < 1) {
            throw new IllegalArgumentException("maxBatches must be >= 1, got " + maxBatches);
        }
        int n = 0;
        for (ai.djl.training.dataset.Batch b : batches) {
            try (b) {
                calibrate(b.getData().head());
            }
            if (++n >= maxBatches) {
                break;
            }
        }
        if (n == 0) {
            throw new IllegalArgumentException("the calibration data gave no batches");
        }
        return this;
    }

    /**
     * Calibrates on every image of {@code dataset} (e.g. an {@code ImageFolderDataset} or DJL {@code ArrayDataset})
     * in its stored order, in batches of {@code batchSize} images (the last batch may be smaller), whatever batch
     * size the dataset was built with. The batch size matters for moving-average observers: their min/max is
     * {@code old + averagingConstant × (batch − old)} per batch, so one big batch gives plain min/max and only
     * several batches make them differ from {@link MinMaxObserver}. The order is fixed (no shuffling) so the same
     * data always give the same qparams.
     */
    public Ptq calibrate(ai.djl.training.dataset.RandomAccessDataset dataset, int batchSize) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("calibration batchSize must be >= 1, got " + batchSize);
        }
        if (dataset.size() == 0) {
            throw new IllegalArgumentException("the calibration dataset " + dataset + " has no images");
        }
        try (NDManager manager = NDManager.newBaseManager()) {
            ai.djl.training.dataset.Sampler sampler = new ai.djl.training.dataset.BatchSampler(
                    new ai.djl.training.dataset.SequenceSampler(), batchSize, false);
            return calibrate(dataset.getData(manager, sampler), Integer.MAX_VALUE);
        } catch (java.io.IOException | ai.djl.translate.TranslateException e) {
            throw new IllegalStateException("cannot read the calibration dataset " + dataset + ": " + e.getMessage(), e);
        }
    }

    /**
     * Freezes activation qparams, replaces every conv/linear weight by its quantize→dequantize values (int8 grid)
     * and every bias by its int32-grid value ({@code input_scale × weight_scale}), freezes average pools on their
     * input's grid, and returns the model, which now computes what PyTorch's int8 model would (up to the
     * kernels' fixed-point requantization).
     */
    public Block convert() {
        return convert(Map.of());
    }

    /**
     * {@link #convert()} with some activation qparams given instead of computed (by layer path): lets a test run
     * torch's own activation qparams through labkit's simulated kernels, so that kernel differences (bias, pooling,
     * requantization) are measured apart from observer differences.
     */
    Block convert(Map<String, QParams> givenActivations) {
        return convert(givenActivations, Map.of());
    }

    /**
     * As {@link #convert(Map)} with some weight qparams given too (by weight layer path), e.g. the step sizes
     * {@link Lapq} found; the others come from their observers. PTQ only.
     */
    Block convert(Map<String, QParams> givenActivations, Map<String, QParams> givenWeights) {
        requireNotConverted("convert");
        for (Map.Entry<String, Observed> e : activations.entrySet()) {
            if (!e.getValue().observer().hasObserved()) {
                throw new IllegalStateException("observer at '" + e.getKey() + "' has seen no data: call "
                        + "calibrate(batches) before convert()");
            }
        }
        activations.forEach((path, o) -> {
            if (givenActivations.containsKey(path)) {
                o.freeze(givenActivations.get(path));
            } else {
                o.freeze();
            }
        });
        if (qat) {
            qatLayers.forEach((path, ql) -> weightQParams.put(path, ql.freeze()));
            qatConvBns.forEach((path, q) -> {
                Map.Entry<Block, QParams> f = q.fold(); // BN folded by its running statistics, as torch's convert
                BlockTree.replace(model, path, f.getKey());
                weightQParams.put(path, f.getValue());
            });
        } else {
            for (Map.Entry<String, Observer> e : weightObservers.entrySet()) {
                QParams qp = givenWeights.containsKey(e.getKey()) ? givenWeights.get(e.getKey())
                        : e.getValue().calculateQParams();
                Parameter w = BlockTree.parameters(BlockTree.get(model, e.getKey())).get("weight");
                NDArray arr = w.getArray();
                try (NDArray fq = Quantizer.fakeQuantize(arr.stopGradient(), qp, false)) {
                    arr.set(fq.toFloatArray());
                }
                weightQParams.put(e.getKey(), qp);
            }
        }
        quantizeOnInputGrids(true);
        converted = true;
        return model;
    }

    /**
     * Wraps every {@link GlobalAvgPool} in a (not yet frozen) {@link Observed}, runs one tracing forward that
     * records the grid each observed layer's input lies on and freezes the pools whose input is quantized, unwraps
     * the others, then (with {@code biases}) puts each bias on its int32 grid.
     */
    private void quantizeOnInputGrids(boolean biases) {
        List<String> poolPaths = new ArrayList<>();
        BlockTree.visit(model, (path, b) -> {
            boolean interpolates = b instanceof labkit.nn.Upsample u && u.scale() != 1
                    && u.mode() != labkit.nn.Upsample.Mode.NEAREST;
            if ((b instanceof GlobalAvgPool || interpolates) && !path.isEmpty()
                    && !(BlockTree.get(model, path) instanceof Observed) && replaceable(path)) {
                poolPaths.add(path);
            }
        });
        for (String path : poolPaths) {
            Block inner = BlockTree.get(model, path);
            Observed w = new Observed(inner, MinMaxObserver.builder().build());
            // ONNX Runtime's uint8 bilinear/bicubic Resize truncates: the simulated up-sampling rounds down as well
            w.roundDown(inner instanceof labkit.nn.Upsample);
            BlockTree.replace(model, path, w);
            pools.put(path, w);
        }
        GridTrace trace = new GridTrace(java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
        Set<Observed> inheritors = trace.inheritors();
        inheritors.addAll(pools.values());
        activations.values().forEach(o -> o.trace(trace));
        pools.values().forEach(o -> o.trace(trace));
        try (NDManager m = NDManager.newBaseManager()) {
            long[] dims = model.getInputShapes()[0].getShape().clone();
            dims[0] = 1;
            java.util.Random r = new java.util.Random(0);
            float[] v = new float[Math.toIntExact(new Shape(dims).size())];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) r.nextGaussian();
            }
            model.forward(new ParameterStore(m, false), new NDList(m.create(v, new Shape(dims))), false);
        } finally {
            activations.values().forEach(o -> o.trace(null));
            pools.values().forEach(o -> o.trace(null));
        }
        for (String path : new ArrayList<>(pools.keySet())) {
            Observed w = pools.get(path);
            if (w.mode() != Observed.Mode.FAKE_QUANT) { // its input is float: torch would not run it quantized
                BlockTree.replace(model, path, w.inner());
                pools.remove(path);
            }
        }
        if (!biases) {
            return;
        }
        for (Map.Entry<String, QParams> e : weightQParams.entrySet()) {
            Parameter bp = BlockTree.parameters(BlockTree.get(model, e.getKey())).get("bias");
            if (bp == null || bp.getArray() == null) {
                continue;
            }
            QParams in = trace.inputOf(activations.get(weightToActivation.get(e.getKey())));
            if (in == null) {
                floatBiases.add(e.getKey());
                continue;
            }
            NDArray arr = bp.getArray();
            arr.set(quantizeBias(arr.toFloatArray(), in.scale()[0], e.getValue()));
        }
    }

    /** Whether the block at {@code path} sits in a {@link labkit.nn.Container} (so a wrapper can take its place). */
    private boolean replaceable(String path) {
        int dot = path.lastIndexOf('.');
        Block parent = BlockTree.get(model, dot < 0 ? "" : path.substring(0, dot));
        while (parent instanceof labkit.nn.Wrapper w && !(parent instanceof labkit.nn.Container)) {
            parent = w.inner();
        }
        return parent instanceof labkit.nn.Container;
    }

    /**
     * Bias values on the int32 grid torch's qnnpack kernels use: per output channel o, scale
     * {@code s_b = float(double(inputScale) × double(weightScale[o]))}, {@code q = round_half_even(b × (1/s_b))}
     * clamped to int32, value {@code q × s_b}.
     */
    static float[] quantizeBias(float[] bias, float inputScale, QParams weight) {
        float[] out = new float[bias.length];
        for (int o = 0; o < bias.length; o++) {
            float sb = (float) ((double) inputScale * (double) weight.scale()[weight.isPerChannel() ? o : 0]);
            float inv = 1.0f / sb;
            double q = Math.rint(bias[o] * inv);
            q = Math.max(Integer.MIN_VALUE, Math.min(Integer.MAX_VALUE, q));
            out[o] = (float) (q * sb);
        }
        return out;
    }

    /**
     * Puts a saved quantized model into this freshly prepared twin (see {@link QuantizedModelFile#load}):
     * weights are already set by the caller; activation qparams are frozen to the saved ones.
     */
    void restore(Map<String, QParams> weights, Map<String, QParams> acts) {
        checkRestorable(acts);
        for (Map.Entry<String, QParams> e : acts.entrySet()) {
            activations.get(e.getKey()).freeze(e.getValue());
        }
        weightQParams.putAll(weights);
        quantizeOnInputGrids(false); // biases come from the file already on their int32 grid
        converted = true;
    }

    /** Checks, changing nothing, that saved activation qparams fit this prepared model's observers. */
    void checkRestorable(Map<String, QParams> acts) {
        requireNotConverted("load a quantized model");
        for (String path : acts.keySet()) {
            if (!activations.containsKey(path)) {
                throw new IllegalArgumentException("saved activation qparams for '" + path + "' but this model "
                        + "has no observer there (different architecture or qconfig?)");
            }
        }
        if (acts.size() != activations.size()) {
            throw new IllegalArgumentException("saved model has " + acts.size() + " activation qparams, this model "
                    + activations.size() + " observers (different architecture?)");
        }
    }

    /** Whether {@link #convert()} (or a load) has run. */
    public boolean isConverted() {
        return converted;
    }

    /** Whether this is a QAT preparation ({@link Qat}). */
    boolean isQat() {
        return qat;
    }

    void requireNotConverted(String what) {
        if (converted) {
            throw new IllegalStateException("cannot " + what + " after convert(): prepare a fresh float model");
        }
    }

    /** The model being quantized (prepared, later converted). */
    public Block model() {
        return model;
    }

    /** The QConfig (for a {@link QConfigMapping}: the global factories under the mapping's name). */
    public QConfig qconfig() {
        return qconfig;
    }

    /** The QConfig per layer used at prepare. */
    public QConfigMapping qconfigMapping() {
        return mapping;
    }

    /** The live Conv+BN QAT layers by path (only for {@link Qat#prepareWithBatchNorm}; empty after convert). */
    Map<String, QatConvBn> qatConvBns() {
        return converted ? Map.of() : Collections.unmodifiableMap(qatConvBns);
    }

    /** What BN fusion folded during {@link #prepare}. */
    public List<BnFusion.Fused> fused() {
        return Collections.unmodifiableList(fused);
    }

    /** Activation observers/fake-quants by the path of the layer whose output they watch. */
    public Map<String, Observed> activationObservers() {
        return Collections.unmodifiableMap(activations);
    }

    /** Weight observers by the path of their conv/linear. */
    public Map<String, Observer> weightObservers() {
        return Collections.unmodifiableMap(weightObservers);
    }

    /** Weight qparams by layer path (after {@link #convert()}). */
    public Map<String, QParams> weightQParams() {
        return Collections.unmodifiableMap(weightQParams);
    }

    /** Activation qparams by layer path (after {@link #convert()}). */
    public Map<String, QParams> activationQParams() {
        Map<String, QParams> out = new LinkedHashMap<>();
        activations.forEach((k, v) -> out.put(k, v.qparams() != null ? v.qparams() : v.observer().calculateQParams()));
        return out;
    }

    /**
     * Average pools frozen on their input's grid by {@link #convert()} (as torch's quantized
     * {@code adaptive_avg_pool2d}), by path, with those qparams.
     */
    public Map<String, QParams> poolQParams() {
        Map<String, QParams> out = new LinkedHashMap<>();
        pools.forEach((k, v) -> out.put(k, v.qparams()));
        return out;
    }

    /**
     * Weight layers whose bias stayed float32 at {@link #convert()} because their input lies on no int8 grid the
     * tracing pass could name (e.g. after a block labkit does not observe); empty for the quantizable MobileNetV2.
     */
    public List<String> floatBiases() {
        return Collections.unmodifiableList(floatBiases);
    }

    /** Number of calibration batches seen. */
    public int calibrationBatches() {
        return batches;
    }

    /**
     * One row per observer: layer, kind (weight/activation), observer, qscheme, dtype, quant range, channels,
     * observed min/max, min/max scale and min/max zero point. Works before convert (from current statistics).
     */
    public Table qparamsTable() {
        StringColumn layer = StringColumn.create("layer");
        StringColumn kind = StringColumn.create("kind");
        StringColumn obs = StringColumn.create("observer");
        StringColumn scheme = StringColumn.create("qscheme");
        StringColumn dtype = StringColumn.create("dtype");
        IntColumn qmin = IntColumn.create("quant_min");
        IntColumn qmax = IntColumn.create("quant_max");
        IntColumn channels = IntColumn.create("channels");
        DoubleColumn minVal = DoubleColumn.create("min_val");
        DoubleColumn maxVal = DoubleColumn.create("max_val");
        DoubleColumn minScale = DoubleColumn.create("min_scale");
        DoubleColumn maxScale = DoubleColumn.create("max_scale");
        IntColumn minZp = IntColumn.create("min_zero_point");
        IntColumn maxZp = IntColumn.create("max_zero_point");
        Map<String, Observer> rows = new LinkedHashMap<>();
        List<String> order = new ArrayList<>();
        activations.forEach((k, v) -> {
            order.add("a:" + k);
            rows.put("a:" + k, v.observer());
        });
        weightObservers.forEach((k, v) -> {
            order.add("w:" + k);
            rows.put("w:" + k, v);
        });
        for (String key : order) {
            Observer o = rows.get(key);
            if (!o.hasObserved()) {
                continue;
            }
            String path = key.substring(2);
            QParams qp = key.startsWith("w:") && weightQParams.containsKey(path) ? weightQParams.get(path)
                    : key.startsWith("a:") && activations.get(path).qparams() != null ? activations.get(path).qparams()
                    : o.calculateQParams();
            float[] s = qp.scale();
            int[] z = qp.zeroPoint();
            float[] lo = o.minVal();
            float[] hi = o.maxVal();
            layer.append(path.isEmpty() ? "(model)" : path);
            kind.append(key.startsWith("w:") ? "weight" : "activation");
            obs.append(o.getClass().getSimpleName());
            scheme.append(qp.qscheme().name().toLowerCase(java.util.Locale.ROOT));
            dtype.append(qp.dtype().name().toLowerCase(java.util.Locale.ROOT));
            qmin.append(qp.quantMin());
            qmax.append(qp.quantMax());
            channels.append(s.length);
            minVal.append(min(lo));
            maxVal.append(max(hi));
            double sMin = Double.POSITIVE_INFINITY;
            double sMax = Double.NEGATIVE_INFINITY;
            int zMin = Integer.MAX_VALUE;
            int zMax = Integer.MIN_VALUE;
            for (int i = 0; i < s.length; i++) {
                sMin = Math.min(sMin, s[i]);
                sMax = Math.max(sMax, s[i]);
                zMin = Math.min(zMin, z[i]);
                zMax = Math.max(zMax, z[i]);
            }
            minScale.append(sMin);
            maxScale.append(sMax);
            minZp.append(zMin);
            maxZp.append(zMax);
        }
        return Table.create("qparams (" + qconfig.name() + ")", layer, kind, obs, scheme, dtype, qmin, qmax,
                channels, minVal, maxVal, minScale, maxScale, minZp, maxZp);
    }

    private static double min(float[] v) {
        double m = Double.POSITIVE_INFINITY;
        for (float f : v) {
            m = Math.min(m, f);
        }
        return m;
    }

    private static double max(float[] v) {
        double m = Double.NEGATIVE_INFINITY;
        for (float f : v) {
            m = Math.max(m, f);
        }
        return m;
    }
}
