package labkit.train;

import java.util.Locale;

/**
 * A learning rate per epoch, as PyTorch's epoch-stepped schedulers compute it ({@code StepLR},
 * {@code ExponentialLR}, {@code CosineAnnealingLR}, optionally after a linear warm-up). A schedule is a pure
 * function of the epoch, so a resumed run uses exactly the rates the uninterrupted run would have used.
 */
@FunctionalInterface
public interface LrSchedule {

    /** The learning rate for {@code epoch} (0-based) given the optimizer's initial rate {@code baseLr}. */
    double lr(int epoch, double baseLr);

    /** The base rate every epoch. */
    static LrSchedule constant() {
        return named((e, base) -> base, "constant");
    }

    /** {@code StepLR(step_size, gamma)}: multiplies the rate by {@code gamma} every {@code stepSize} epochs. */
    static LrSchedule stepLR(int stepSize, double gamma) {
        if (stepSize < 1) {
            throw new IllegalArgumentException("stepSize must be >= 1, got " + stepSize);
        }
        return named((e, base) -> base * Math.pow(gamma, e / stepSize),
                String.format(Locale.ROOT, "StepLR(step_size=%d, gamma=%g)", stepSize, gamma));
    }

    /** {@code ExponentialLR(gamma)}: {@code base·gamma^epoch}. */
    static LrSchedule exponentialLR(double gamma) {
        return named((e, base) -> base * Math.pow(gamma, e), String.format(Locale.ROOT, "ExponentialLR(gamma=%g)", gamma));
    }

    /**
     * {@code CosineAnnealingLR(T_max, eta_min)}:
     * {@code eta_min + (base − eta_min)·(1 + cos(π·epoch/T_max))/2}.
     */
    static LrSchedule cosineAnnealingLR(int tMax, double etaMin) {
        if (tMax < 1) {
            throw new IllegalArgumentException("tMax must be >= 1, got " + tMax);
        }
        return named((e, base) -> etaMin + (base - etaMin) * (1 + Math.cos(Math.PI * e / tMax)) / 2,
                String.format(Locale.ROOT, "CosineAnnealingLR(T_max=%d, eta_min=%g)", tMax, etaMin));
    }

    /** This schedule after {@code epochs} epochs of linear warm-up from {@code base/epochs} up to the base rate. */
    default LrSchedule withWarmup(int epochs) {
        LrSchedule after = this;
        return named((e, base) -> e < epochs ? base * (e + 1) / (epochs + 1.0) : after.lr(e - epochs, base),
                "warmup(" + epochs + ") then " + after);
    }

    private static LrSchedule named(LrSchedule s, String name) {
        return new LrSchedule() {
            @Override
            public double lr(int epoch, double baseLr) {
                return s.lr(epoch, baseLr);
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }
}
