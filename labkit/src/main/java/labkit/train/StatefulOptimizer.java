package labkit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.training.optimizer.Optimizer;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * Base of labkit's optimizers: a DJL {@link Optimizer} (so DJL's {@code Trainer.step()} drives it) whose
 * per-parameter state (moment buffers, step counts) can be exported and imported by parameter <em>name</em>,
 * so a checkpoint resumes exactly in a new session. DJL's own optimizers keep that state private.
 *
 * <p>Subclasses implement {@link #step(String, NDArray, NDArray, Map)}: update {@code weight} in place from
 * {@code grad}, keeping named state buffers (PyTorch's names: {@code exp_avg}, {@code exp_avg_sq},
 * {@code momentum_buffer}) in the given map. Temporaries are closed automatically; the parameter's gradient is
 * zeroed after the update (as PyTorch's {@code optimizer.zero_grad()} would).
 */
public abstract class StatefulOptimizer extends Optimizer {

    private final Map<String, Map<String, NDArray>> state = new HashMap<>();
    private final Map<String, Long> steps = new HashMap<>();
    private NDManager stateManager;
    private double learningRate;

    protected StatefulOptimizer(double learningRate) {
        super(new NoOptions());
        if (!(learningRate > 0)) {
            throw new IllegalArgumentException("learning rate must be > 0, got " + learningRate);
        }
        this.learningRate = learningRate;
    }

    /** The learning rate used by the next update. */
    public double learningRate() {
        return learningRate;
    }

    /** Sets the learning rate for the following updates (learning-rate schedules call this each epoch). */
    public void setLearningRate(double learningRate) {
        if (!(learningRate >= 0) || Double.isInfinite(learningRate)) {
            throw new IllegalArgumentException("learning rate must be finite and >= 0, got " + learningRate);
        }
        this.learningRate = learningRate;
    }

    /** Updates {@code weight} in place for its {@code step}-th update (1-based), keeping buffers in {@code buffers}. */
    protected abstract void step(long step, NDArray weight, NDArray grad, Buffers buffers);

    /** Named state buffers of one parameter, created on first use as zeros like the weight (or by a function). */
    public final class Buffers {
        private final Map<String, NDArray> map;

        private Buffers(Map<String, NDArray> map) {
            this.map = map;
        }

        /** The buffer {@code name}, made by {@code init} on first use (kept across steps, not closed by the scope). */
        public NDArray get(String name, Function<String, NDArray> init) {
            NDArray a = map.get(name);
            if (a == null) {
                a = init.apply(name);
                NDScope.unregister(a);
                a.attach(stateManager);
                map.put(name, a);
            }
            return a;
        }

        /** True when the buffer exists (e.g. a momentum buffer after the first step). */
        public boolean has(String name) {
            return map.containsKey(name);
        }

        /** Replaces the buffer {@code name} (the array is kept, not closed by the scope). */
        public void put(String name, NDArray value) {
            NDScope.unregister(value);
            value.attach(stateManager);
            NDArray old = map.put(name, value);
            if (old != null && old != value) {
                old.close();
            }
        }
    }

    @Override
    public final void update(String parameterId, NDArray weight, NDArray grad) {
        if (stateManager == null) {
            stateManager = weight.getManager().newSubManager();
        }
        long t = steps.merge(parameterId, 1L, Long::sum);
        Buffers buffers = new Buffers(state.computeIfAbsent(parameterId, k -> new LinkedHashMap<>()));
        try (NDScope scope = new NDScope()) {
            scope.suppressNotUsedWarning();
            step(t, weight, grad, buffers);
            NDArray g = weight.getGradient();
            g.subi(g);
        }
    }

    /**
     * The state as named arrays, {@code <parameter name>#<buffer>} and {@code <parameter name>#step}, using
     * {@code idToName} to turn DJL's random parameter ids into stable names. Arrays are the live buffers.
     */
    public Map<String, NDArray> exportState(Map<String, String> idToName, NDManager manager) {
        Map<String, NDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : idToName.entrySet()) {
            Long t = steps.get(e.getKey());
            if (t == null) {
                continue;
            }
            out.put(e.getValue() + "#step", manager.create(t));
            for (Map.Entry<String, NDArray> b : state.get(e.getKey()).entrySet()) {
                out.put(e.getValue() + "#" + b.getKey(), b.getValue());
            }
        }
        return out;
    }

    /** Replaces the state with arrays from {@link #exportState}; {@code nameToId} maps names to this model's ids. */
    public void importState(Map<String, NDArray> named, Map<String, String> nameToId, NDManager owner) {
        clearState();
        if (stateManager == null) {
            stateManager = owner.newSubManager();
        }
        for (Map.Entry<String, NDArray> e : named.entrySet()) {
            String key = e.getKey();
            int hash = key.lastIndexOf('#');
            String name = key.substring(0, hash);
            String buffer = key.substring(hash + 1);
            String id = nameToId.get(name);
            if (id == null) {
                throw new IllegalArgumentException("optimizer state names parameter '" + name
                        + "' that this model does not have; the checkpoint was made for another model");
            }
            if (buffer.equals("step")) {
                steps.put(id, e.getValue().getLong());
            } else {
                NDArray copy = e.getValue().duplicate();
                copy.attach(stateManager);
                state.computeIfAbsent(id, k -> new LinkedHashMap<>()).put(buffer, copy);
            }
        }
    }

    /** Forgets all buffers and step counts. */
    public void clearState() {
        state.values().forEach(m -> m.values().forEach(NDArray::close));
        state.clear();
        steps.clear();
    }

    private static final class NoOptions extends OptimizerBuilder<NoOptions> {
        @Override
        protected NoOptions self() {
            return this;
        }
    }
}
