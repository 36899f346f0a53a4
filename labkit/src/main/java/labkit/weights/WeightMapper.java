package labkit.weights;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;
import labkit.nn.BatchNorms;
import labkit.nn.BlockTree;

/**
 * Puts a PyTorch state dict into a labkit model by name, never by position: every key of the file is matched
 * to the parameter with the same {@link BlockTree#parameters(Block) dotted name}, shapes must be equal, and a
 * strict mapper (the default) refuses a file that leaves a parameter unset or has a key the model lacks — with
 * a {@link LoadReport} that lists them — before it changes anything. {@code num_batches_tracked} is ignored.
 * Optionally the model's BatchNorm eps and momentum are checked against the values the weights were trained
 * with (torchvision: eps 1e-5 for MobileNetV2, ResNet and EfficientNet-B0, momentum 0.1). A
 * {@link Builder#prefix(String) prefix} loads one part of a network (a backbone's {@code features.*}) into a
 * model of that part alone.
 */
public final class WeightMapper {
    private final boolean strict;
    private final Predicate<String> ignore;
    private final Function<String, String> rename;
    private final String prefix;
    private final Float bnEps;
    private final Float bnMomentum;

    private WeightMapper(Builder b) {
        this.strict = b.strict;
        this.ignore = b.ignore;
        this.rename = b.rename;
        this.prefix = b.prefix;
        this.bnEps = b.bnEps;
        this.bnMomentum = b.bnMomentum;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Strict load of {@code weights} into an initialized {@code model}; throws with the key report on mismatch. */
    public static LoadReport load(Block model, StateDict weights, String source) {
        return builder().build().apply(model, weights, source);
    }

    /**
     * Maps {@code weights} into {@code model} (which must be initialized, so its parameters have shapes).
     *
     * @throws WeightMismatchException when strict and anything does not fit; the model is then unchanged
     */
    public LoadReport apply(Block model, StateDict weights, String source) {
        Map<String, long[]> shapes = new LinkedHashMap<>();
        Map<String, TensorData> byName = new LinkedHashMap<>();
        List<String> outside = new ArrayList<>();
        for (Map.Entry<String, TensorData> e : weights.asMap().entrySet()) {
            String name = localName(e.getKey(), outside);
            if (name != null) {
                shapes.put(name, e.getValue().shape());
                byName.put(name, e.getValue());
            }
        }
        Plan plan = plan(model, shapes, source, byName, outside);
        if (strict && !plan.report.ok()) {
            throw new WeightMismatchException(plan.report);
        }
        Map<String, Parameter> params = BlockTree.parameters(model);
        for (String key : plan.report.loaded()) {
            set(params.get(key), byName.get(key), key);
        }
        return plan.report;
    }

    /**
     * Checks, without loading anything, whether a file with these keys and shapes would fit {@code model}
     * (e.g. the key list of a full-size torchvision model).
     */
    public LoadReport check(Block model, Map<String, long[]> keyShapes, String source) {
        Map<String, long[]> renamed = new LinkedHashMap<>();
        List<String> outside = new ArrayList<>();
        keyShapes.forEach((k, v) -> {
            String name = localName(k, outside);
            if (name != null) {
                renamed.put(name, v);
            }
        });
        return plan(model, renamed, source, null, outside).report;
    }

    /** The model-side name of file key {@code key}, or null (and the key noted) when it lies outside the prefix. */
    private String localName(String key, List<String> outside) {
        if (prefix != null) {
            if (!key.startsWith(prefix)) {
                outside.add(key);
                return null;
            }
            key = key.substring(prefix.length());
        }
        return rename.apply(key);
    }

    private record Plan(LoadReport report) {}

    private Plan plan(Block model, Map<String, long[]> shapes, String source, Map<String, TensorData> data,
            List<String> outside) {
        Map<String, Parameter> params = BlockTree.parameters(model);
        for (Map.Entry<String, Parameter> e : params.entrySet()) {
            if (!e.getValue().isInitialized()) {
                throw new IllegalStateException("parameter " + e.getKey() + " is not initialized: call"
                        + " model.initialize(manager, DataType.FLOAT32, inputShape) before loading weights");
            }
        }
        List<String> loaded = new ArrayList<>();
        List<String> unexpected = new ArrayList<>();
        List<String> wrongShape = new ArrayList<>();
        List<String> wrongType = new ArrayList<>();
        List<String> ignored = new ArrayList<>(outside);
        for (Map.Entry<String, long[]> e : shapes.entrySet()) {
            String key = e.getKey();
            Parameter p = params.get(key);
            if (p == null) {
                (ignore.test(key) ? ignored : unexpected).add(prefix == null ? key : prefix + key);
                continue;
            }
            long[] want = p.getArray().getShape().getShape();
            if (!Arrays.equals(want, e.getValue())) {
                wrongShape.add(key + ": file " + Arrays.toString(e.getValue()) + ", model " + Arrays.toString(want));
            } else if (data != null && !data.get(key).dtype().isFloating()
                    && p.getArray().getDataType().isFloating()) {
                wrongType.add(key + ": file " + data.get(key).dtype().torchName() + ", model "
                        + p.getArray().getDataType());
            } else {
                loaded.add(key);
            }
        }
        List<String> missing = new ArrayList<>();
        for (String k : params.keySet()) {
            if (!shapes.containsKey(k)) {
                missing.add(k);
            }
        }
        List<String> bn = new ArrayList<>();
        if (bnEps != null || bnMomentum != null) {
            for (Pair<String, BatchNorm> b : BlockTree.find(model, BatchNorm.class)) {
                float eps = readFloat(b.getValue(), "epsilon");
                float torchMomentum = 1f - readFloat(b.getValue(), "momentum");
                if (bnEps != null && Math.abs(eps - bnEps) > 1e-3f * bnEps) {
                    bn.add(b.getKey() + ": eps " + eps + ", the weights were trained with " + bnEps);
                }
                if (bnMomentum != null && Math.abs(torchMomentum - bnMomentum) > 1e-6f) {
                    bn.add(b.getKey() + ": momentum " + torchMomentum + " (PyTorch convention), the weights use "
                            + bnMomentum);
                }
            }
        }
        return new Plan(new LoadReport(source, loaded, missing, unexpected, wrongShape, wrongType, bn, ignored));
    }

    private static float readFloat(BatchNorm bn, String field) {
        try {
            return field.equals("epsilon") ? BatchNorms.epsilon(bn) : BatchNorms.momentum(bn);
        } catch (IllegalStateException e) {
            throw new IllegalStateException("cannot read BatchNorm." + field + " of this DJL version to check it"
                    + " against the weights; build the WeightMapper without batchNorm(..) checks", e);
        }
    }

    private static void set(Parameter p, TensorData t, String key) {
        NDArray arr = p.getArray();
        DataType type = arr.getDataType();
        if (type == DataType.FLOAT32) {
            arr.set(t.toFloatArray());
        } else if (DType.of(type) == t.dtype()) {
            try (NDArray src = t.toNDArray(arr.getManager())) {
                arr.set(src.toByteBuffer());
            }
        } else {
            throw new IllegalStateException(key + ": cannot load a " + t.dtype().torchName() + " tensor into a "
                    + type + " parameter");
        }
        if (!arr.getShape().equals(new Shape(t.shape()))) {
            throw new IllegalStateException(key + ": shape changed while loading");
        }
    }

    /** Options for a {@link WeightMapper}. */
    public static final class Builder {
        private boolean strict = true;
        private Predicate<String> ignore = k -> k.endsWith("num_batches_tracked");
        private Function<String, String> rename = Function.identity();
        private String prefix;
        private Float bnEps;
        private Float bnMomentum;

        /** Strict (default): any missing, unexpected or mis-shaped key is an error and nothing is loaded. */
        public Builder strict(boolean strict) { this.strict = strict; return this; }

        /** File keys that are skipped without complaint (default: {@code *.num_batches_tracked}). */
        public Builder ignore(Predicate<String> ignore) { this.ignore = ignore; return this; }

        /**
         * Loads only the file's keys that start with {@code prefix} ("features."), with the prefix removed, into
         * the model (e.g. a backbone taken out of a bigger network); the file's other keys ({@code classifier.*})
         * are ignored and listed in {@link LoadReport#ignored()}. {@link #ignore} and {@link #rename} then see
         * the key without the prefix; the report lists ignored and unexpected keys with it (as in the file) and
         * the model's parameters without it.
         */
        public Builder prefix(String prefix) {
            if (prefix == null || prefix.isEmpty()) {
                throw new IllegalArgumentException("prefix must be a non-empty key prefix such as \"features.\"");
            }
            this.prefix = prefix;
            return this;
        }

        /** Maps a file key to the labkit parameter name (default: the same name). */
        public Builder rename(Function<String, String> rename) { this.rename = rename; return this; }

        /** Also require every BatchNorm of the model to use this eps and (PyTorch-convention) momentum. */
        public Builder batchNorm(float eps, float torchMomentum) {
            this.bnEps = eps;
            this.bnMomentum = torchMomentum;
            return this;
        }

        public WeightMapper build() {
            return new WeightMapper(this);
        }
    }
}
