package labkit;

/**
 * A training dataset that draws new samples every epoch (fresh random crops, degradations) as a function of the
 * epoch number. {@code labkit.train.Fit} tells it the epoch at every epoch start, so a resumed run draws exactly
 * what the uninterrupted run would have drawn.
 */
public interface EpochAware {

    /** Switches to the samples of {@code epoch} (0-based). */
    void startEpoch(int epoch);
}
