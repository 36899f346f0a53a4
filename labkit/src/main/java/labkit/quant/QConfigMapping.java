package labkit.quant;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Per-layer QConfigs, PyTorch's {@code QConfigMapping().set_global(qc).set_module_name(name, qc)}: mixed precision
 * such as "first and last layer at 8 bits, the rest at 4". A layer path matches a module name when it equals it or
 * lies below it ({@code "features.0"} covers {@code "features.0.0"}); the longest matching name wins, else the
 * global QConfig.
 *
 * @param global the QConfig of every layer not named
 * @param byModule QConfigs by module path (insertion order kept)
 */
public record QConfigMapping(QConfig global, Map<String, QConfig> byModule) {

    public QConfigMapping {
        Objects.requireNonNull(global, "global qconfig");
        byModule = Collections.unmodifiableMap(new LinkedHashMap<>(Objects.requireNonNull(byModule, "byModule")));
    }

    /** Every layer with {@code global}. */
    public static QConfigMapping of(QConfig global) {
        return new QConfigMapping(global, Map.of());
    }

    /** A copy with {@code qconfig} for the module at {@code path} and everything below it. */
    public QConfigMapping with(String path, QConfig qconfig) {
        Objects.requireNonNull(path, "module path");
        Objects.requireNonNull(qconfig, "qconfig");
        Map<String, QConfig> m = new LinkedHashMap<>(byModule);
        m.put(path, qconfig);
        return new QConfigMapping(global, m);
    }

    /** The QConfig of the layer at {@code path}. */
    public QConfig forPath(String path) {
        QConfig best = global;
        int bestLen = -1;
        for (Map.Entry<String, QConfig> e : byModule.entrySet()) {
            String k = e.getKey();
            boolean match = path.equals(k) || k.isEmpty() || path.startsWith(k + ".");
            if (match && k.length() > bestLen) {
                best = e.getValue();
                bestLen = k.length();
            }
        }
        return best;
    }

    /** A label: the global name plus each override, e.g. {@code "lsq w4a8 [conv1=minmax w8a8]"}. */
    public String name() {
        if (byModule.isEmpty()) {
            return global.name();
        }
        StringBuilder sb = new StringBuilder(global.name()).append(" [");
        String sep = "";
        for (Map.Entry<String, QConfig> e : byModule.entrySet()) {
            sb.append(sep).append(e.getKey()).append('=').append(e.getValue().name());
            sep = ", ";
        }
        return sb.append(']').toString();
    }

    /** As one {@link QConfig} named {@link #name()} (the global factories); {@link Ptq} asks {@link #forPath}. */
    QConfig asQConfig() {
        return new QConfig(name(), global.activation(), global.weight());
    }
}
