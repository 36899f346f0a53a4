package labkit.export;

import static labkit.export.NnExporters.child;
import static labkit.export.NnExporters.join;
import static labkit.export.NnExporters.one;

import ai.djl.nn.Block;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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
