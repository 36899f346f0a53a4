package labkit.quant;

import ai.djl.ndarray.NDArray;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One forward pass of a converted model that records, for every {@link Observed} wrapper, the int8 grid its input
 * lies on: the qparams of the last quantized output computed before it, checked value by value (pooling, flatten and
 * dropout keep a grid; anything else that is not observed breaks it). {@link Ptq} uses it to quantize biases with
 * {@code input scale × weight scale} and to freeze average pools on their input's grid, as torch's int8 kernels do.
 */
final class GridTrace {
    private final Set<Observed> inheritors;
    private final Map<Observed, QParams> inputs = new IdentityHashMap<>();
    private QParams last;
    private final java.util.List<QParams> seen = new java.util.ArrayList<>();
    /** How many earlier grids an input is checked against when it is not on the last one. */
    private static final int RECENT = 64;

    /** @param inheritors wrappers whose output keeps their input's qparams (average pools): frozen when met */
    GridTrace(Set<Observed> inheritors) {
        this.inheritors = inheritors;
    }

    /** The wrappers frozen on their input's grid when met (a live set). */
    Set<Observed> inheritors() {
        return inheritors;
    }

    void enter(Observed o, NDArray input) {
        float[] v = input.toFloatArray();
        QParams grid = last != null && onGrid(v, last) ? last : null;
        // an input that is not the last quantized output (a BiFPN level, the depth head's second map) may lie on an
        // earlier grid: the most recent one it fits
        for (int i = seen.size() - 1; grid == null && i >= Math.max(0, seen.size() - RECENT); i--) {
            if (seen.get(i) != last && onGrid(v, seen.get(i))) {
                grid = seen.get(i);
            }
        }
        inputs.put(o, grid);
        if (grid != null && inheritors.contains(o)) {
            o.freeze(grid);
        }
    }

    void leave(Observed o) {
        last = o.mode() == Observed.Mode.FAKE_QUANT ? o.qparams() : null;
        if (last != null) {
            seen.remove(last);
            seen.add(last);
        }
    }

    /** The qparams of the grid the input of {@code o} lay on, or null (float input, or not seen). */
    QParams inputOf(Observed o) {
        return inputs.get(o);
    }

    /** Whether every value of {@code x} is {@code (q - zeroPoint) × scale} for an integer q in the quant range. */
    static boolean onGrid(NDArray x, QParams qp) {
        return onGrid(x.toFloatArray(), qp);
    }

    static boolean onGrid(float[] x, QParams qp) {
        if (qp.scale().length != 1) {
            return false;
        }
        float inv = 1.0f / qp.scale()[0];
        int zp = qp.zeroPoint()[0];
        for (float v : x) {
            double t = v * inv;
            double r = Math.rint(t);
            if (Math.abs(t - r) > 1e-3 || r + zp < qp.quantMin() || r + zp > qp.quantMax()) {
                return false;
            }
        }
        return true;
    }
}
