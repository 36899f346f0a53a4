package labkit.export;

import static labkit.export.NnExporters.child;
import static labkit.export.NnExporters.join;
import static labkit.export.NnExporters.one;

import ai.djl.nn.Block;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import labkit.models.DepthNet;
import labkit.models.EfficientNetB0;
import labkit.models.ResNet;
import labkit.models.SuperResolutionNet;
import labkit.nn.BlockTree;

/** The ONNX writers of labkit.models' networks whose wiring is more than a chain (registered by {@link OnnxExporter}). */
final class ModelExporters {
    private ModelExporters() {}

    static void registerAll(Map<Class<?>, BlockExporter> r) {
        r.put(ResNet.class, ModelExporters::resnet);
        r.put(ResNet.BasicBlock.class, ModelExporters::residualUnit);
        r.put(ResNet.Bottleneck.class, ModelExporters::residualUnit);
        r.put(SuperResolutionNet.class, ModelExporters::superResolution);
        r.put(DepthNet.class, ModelExporters::depthNet);
        r.put(DepthNet.Head.class, ModelExporters::depthHead);
    }

    /** DepthNet: EfficientNet-B0 stages, the three level maps into the BiFPN, then the head. */
    private static List<OnnxValue> depthNet(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        OnnxValue h = one(in, path);
        Block features = child(b, "features");
        List<OnnxValue> levels = new ArrayList<>();
        int i = 0;
        for (Pair<String, Block> c : features.getChildren()) {
            h = g.export1(c.getValue(), join(join(path, "features"), BlockTree.childName(c.getKey())), h);
            for (int s : EfficientNetB0.LEVEL_STAGES) {
                if (s == i) {
                    levels.add(h);
                }
            }
            i++;
        }
        List<OnnxValue> p = g.export(child(b, "bifpn"), join(path, "bifpn"), levels);
        return g.export(child(b, "head"), join(path, "head"), p);
    }

    /** DepthNet head: the two finest BiFPN maps up-sampled, concatenated, conv+BN+SiLU, 1×1 conv to depth. */
    private static List<OnnxValue> depthHead(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        List<OnnxValue> h = g.export(child(b, "up"), join(path, "up"), List.of(in.get(0), in.get(1)));
        h = g.export(child(b, "concat"), join(path, "concat"), h);
        h = g.export(child(b, "conv"), join(path, "conv"), h);
        return g.export(child(b, "out"), join(path, "out"), h);
    }

    /** ResNet: stem, layer1..4 (their outputs are the four results of the features-only form), then the head. */
    private static List<OnnxValue> resnet(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        ResNet net = (ResNet) b;
        OnnxValue x = one(in, path);
        List<OnnxValue> feats = new ArrayList<>();
        for (Pair<String, Block> c : b.getChildren()) {
            String name = BlockTree.childName(c.getKey());
            x = g.export1(c.getValue(), join(path, name), x);
            if (name.startsWith("layer")) {
                feats.add(x);
            }
        }
        return net.featuresOnly() ? feats : List.of(x);
    }

    /** BasicBlock/Bottleneck: {@code relu(body(x) + downsample(x))}; the body is every child but those two. */
    private static List<OnnxValue> residualUnit(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        OnnxValue x = one(in, path);
        OnnxValue y = x;
        for (Pair<String, Block> c : b.getChildren()) {
            String name = BlockTree.childName(c.getKey());
            if (!name.equals("downsample") && !name.equals("relu_out")) {
                y = g.export1(c.getValue(), join(path, name), y);
            }
        }
        Block ds = child(b, "downsample");
        OnnxValue id = ds == null ? x : g.export1(ds, join(path, "downsample"), x);
        OnnxValue sum = new OnnxValue(g.node("Add", path, List.of(y.name(), id.name())), y.shape());
        return List.of(g.export1(child(b, "relu_out"), join(path, "relu_out"), sum));
    }

    /** The SR net: encoder → BiFPN → per-level up-sampling → concat → head (pixel shuffle), plus bicubic skip. */
    private static List<OnnxValue> superResolution(Block b, String path, List<OnnxValue> in, OnnxGraph g) {
        OnnxValue x = one(in, path);
        List<OnnxValue> feats = g.export(child(b, "encoder"), join(path, "encoder"), List.of(x));
        List<OnnxValue> fused = g.export(child(b, "bifpn"), join(path, "bifpn"), feats);
        List<OnnxValue> ups = g.export(child(b, "up"), join(path, "up"), fused);
        List<OnnxValue> cat = g.export(child(b, "concat"), join(path, "concat"), ups);
        OnnxValue y = g.export(child(b, "head"), join(path, "head"), cat).get(0);
        OnnxValue skip = g.export1(child(b, "skip"), join(path, "skip"), x);
        return g.export(child(b, "add"), join(path, "add"), List.of(y, skip));
    }
}
