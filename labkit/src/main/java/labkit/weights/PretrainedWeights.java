package labkit.weights;

import labkit.io.Downloads;
import labkit.io.RemoteFile;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * torchvision's published ImageNet weights for the course's networks: where to download them, how to verify
 * them, the preprocessing they expect and the BatchNorm settings they were trained with.
 *
 * <p>Every file is verified by the SHA-256 prefix in its name (torch.hub's rule). Full SHA-256 hashes are pinned
 * only where known — taken from several public projects that pin the same files, each consistent with its name's
 * prefix; {@code null} means "prefix only". EfficientNet-B0: torchvision 0.14 named the file
 * {@code efficientnet_b0_rwightman-3dd342df.pth}, but its bytes hash to {@code 7f5810bc…}, so later torchvision
 * releases renamed it; labkit downloads the new name and also accepts the old name in PyTorch's cache (checked
 * against 7f5810bc).
 *
 * @param name a short name ("mobilenet_v2")
 * @param file the download and its hashes
 * @param preprocessing resize, crop and normalization the weights expect
 * @param bnEps BatchNorm eps of the network the weights come from
 * @param bnMomentum BatchNorm momentum (PyTorch convention)
 * @param top1 torchvision's reported ImageNet-1k top-1 accuracy in percent
 */
public record PretrainedWeights(String name, RemoteFile file, ImagePreprocessing preprocessing, float bnEps,
        float bnMomentum, double top1) {
    private static final String BASE = "https://download.pytorch.org/models/";

    /** MobileNetV2 IMAGENET1K_V1 (also the float weights of torchvision's quantizable MobileNetV2). */
    public static final PretrainedWeights MOBILENET_V2 = new PretrainedWeights("mobilenet_v2",
            RemoteFile.torchHub(BASE + "mobilenet_v2-b0353104.pth",
                    "b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889"),
            ImagePreprocessing.imagenet(256, 224, false), 1e-5f, 0.1f, 71.878);
    /** MobileNetV2 IMAGENET1K_V2 (torchvision's newer recipe; resize 232). */
    public static final PretrainedWeights MOBILENET_V2_V2 = new PretrainedWeights("mobilenet_v2_v2",
            RemoteFile.torchHub(BASE + "mobilenet_v2-7ebf99e0.pth", null),
            ImagePreprocessing.imagenet(232, 224, false), 1e-5f, 0.1f, 72.154);
    /** EfficientNet-B0 IMAGENET1K_V1 (BatchNorm eps 1e-5; bicubic resize). */
    public static final PretrainedWeights EFFICIENTNET_B0 = new PretrainedWeights("efficientnet_b0",
            RemoteFile.torchHub(BASE + "efficientnet_b0_rwightman-7f5810bc.pth", null,
                    "efficientnet_b0_rwightman-3dd342df.pth"),
            ImagePreprocessing.imagenet(256, 224, true), 1e-5f, 0.1f, 77.692);
    /** ResNet-18 IMAGENET1K_V1. */
    public static final PretrainedWeights RESNET18 = new PretrainedWeights("resnet18",
            RemoteFile.torchHub(BASE + "resnet18-f37072fd.pth",
                    "f37072fd47e89c5e827621c5baffa7500819f7896bbacec160b1a16c560e07ec"),
            ImagePreprocessing.imagenet(256, 224, false), 1e-5f, 0.1f, 69.758);
    /** ResNet-34 IMAGENET1K_V1. */
    public static final PretrainedWeights RESNET34 = new PretrainedWeights("resnet34",
            RemoteFile.torchHub(BASE + "resnet34-b627a593.pth",
                    "b627a593bcbe140c234610266fe4f8ae95ea42fc881d091c9b6052e6b1d0590f"),
            ImagePreprocessing.imagenet(256, 224, false), 1e-5f, 0.1f, 73.314);
    /** ResNet-50 IMAGENET1K_V1. */
    public static final PretrainedWeights RESNET50 = new PretrainedWeights("resnet50",
            RemoteFile.torchHub(BASE + "resnet50-0676ba61.pth",
                    "0676ba61b6795bbe1773cffd859882e5e297624d384b6993f7c9e683e722fb8a"),
            ImagePreprocessing.imagenet(256, 224, false), 1e-5f, 0.1f, 76.13);
    /** ResNet-50 IMAGENET1K_V2 (torchvision's newer recipe; resize 232). */
    public static final PretrainedWeights RESNET50_V2 = new PretrainedWeights("resnet50_v2",
            RemoteFile.torchHub(BASE + "resnet50-11ad3fa6.pth",
                    "11ad3fa62ca79e40addfd354a8ec4b7c75143b3038b8d2a807fbc68deab379ca"),
            ImagePreprocessing.imagenet(232, 224, false), 1e-5f, 0.1f, 80.858);

    /** All entries. */
    public static List<PretrainedWeights> all() {
        return List.of(MOBILENET_V2, MOBILENET_V2_V2, EFFICIENTNET_B0, RESNET18, RESNET34, RESNET50, RESNET50_V2);
    }

    /** The entry called {@code name} ("resnet18"); throws listing the known names otherwise. */
    public static PretrainedWeights named(String name) {
        for (PretrainedWeights w : all()) {
            if (w.name.equals(name)) {
                return w;
            }
        }
        throw new IllegalArgumentException("no pretrained weights called '" + name + "'; known: "
                + all().stream().map(PretrainedWeights::name).toList());
    }

    /** The verified local file, downloaded if needed with the standard {@link Downloads}. */
    public Path download() throws IOException {
        return download(Downloads.standard());
    }

    /** The verified local file via {@code downloads}. */
    public Path download(Downloads downloads) throws IOException {
        return downloads.fetch(file);
    }

    /** A mapper that checks names, shapes and this network's BatchNorm eps/momentum, strictly. */
    public WeightMapper mapper() {
        return WeightMapper.builder().batchNorm(bnEps, bnMomentum).build();
    }

    /**
     * A strict mapper for one part of the network, e.g. a backbone: the file's keys under {@code prefix}
     * ("features."), without it, must fit {@code part} exactly, except those {@code skip} accepts (given the key
     * without the prefix, e.g. {@code k -> k.startsWith("8.")} for a backbone that stops before
     * {@code features.8}); the keys outside the prefix ({@code classifier.*}) and {@code num_batches_tracked} are
     * ignored. BatchNorm eps and momentum are checked as in {@link #mapper()}.
     */
    public WeightMapper mapper(String prefix, Predicate<String> skip) {
        return WeightMapper.builder().batchNorm(bnEps, bnMomentum).prefix(prefix)
                .ignore(k -> k.endsWith("num_batches_tracked") || skip.test(k)).build();
    }

    /**
     * Loads the part of the (downloaded or cached) weights under {@code prefix} into an initialized
     * {@code part} of a model, as {@link #mapper(String, Predicate)} describes:
     * {@code EFFICIENTNET_B0.loadInto(depthNet.features(), "features.", k -> k.startsWith("8."), downloads)}.
     */
    public LoadReport loadInto(Block part, String prefix, Predicate<String> skip, Downloads downloads)
            throws IOException {
        Path f = download(downloads);
        return mapper(prefix, skip).apply(part, StateDict.read(f), f.toString());
    }

    /** Loads the (downloaded or cached) weights into an initialized model; throws with the key report. */
    public LoadReport loadInto(Block model) throws IOException {
        return loadInto(model, Downloads.standard());
    }

    /** As {@link #loadInto(Block)}, with explicit download settings. */
    public LoadReport loadInto(Block model, Downloads downloads) throws IOException {
        Path f = download(downloads);
        return mapper().apply(model, StateDict.read(f), f.toString());
    }

    /**
     * The top-{@code k} ImageNet classes for one picture: this weights' preprocessing, an eval-mode forward of
     * {@code model} (1000 logits) and a softmax.
     */
    public List<Prediction> predict(Block model, BufferedImage image, int k) {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = preprocessing.apply(image, m).expandDims(0);
            NDArray logits = model.forward(new ParameterStore(m, false), new NDList(x), false).head();
            return topK(logits, k);
        }
    }

    /** The top-{@code k} classes of one row of 1000 ImageNet logits (shape [1000] or [1, 1000]). */
    public static List<Prediction> topK(NDArray logits, int k) {
        float[] z = logits.toFloatArray();
        if (z.length != 1000) {
            throw new IllegalArgumentException("expected 1000 ImageNet logits for one image, got shape "
                    + logits.getShape());
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v);
        }
        double sum = 0;
        double[] p = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i] - max);
            sum += p[i];
        }
        Integer[] order = new Integer[z.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        java.util.Arrays.sort(order, (a, b) -> Float.compare(z[b], z[a]));
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < Math.min(k, z.length); i++) {
            int c = order[i];
            out.add(new Prediction(c, ImageNetClasses.name(c), (float) (p[c] / sum)));
        }
        return out;
    }
}
