package labkit.augment;

/**
 * A random transform whose random stream can be restarted from a seed. After {@code reseed(s)} the same
 * inputs give bit-identical outputs; {@link Compose#reseed(long)} reseeds a whole pipeline from one seed.
 */
public interface Seedable {

    /** Restarts this transform's random numbers from {@code seed}. Not safe while another thread transforms. */
    void reseed(long seed);
}
