package labkit;

/**
 * Something random (a transform, a dataset that augments) whose random stream can be restarted from a seed. After
 * {@code reseed(s)} the same inputs give bit-identical outputs; {@code labkit.augment.Compose.reseed} reseeds a whole
 * pipeline from one seed, and {@code labkit.train.Fit} reseeds a training dataset that is {@code Seedable} at the start
 * of every epoch, so a resumed run sees the same augmentations.
 */
public interface Seedable {

    /** Restarts this object's random numbers from {@code seed}. Not safe while another thread transforms. */
    void reseed(long seed);
}
