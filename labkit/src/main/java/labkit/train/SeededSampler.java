package labkit.train;

import ai.djl.training.dataset.RandomAccessDataset;
import ai.djl.training.dataset.Sampler;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;

/**
 * A DJL sub-sampler that visits the dataset in an order fixed by a seed and the epoch, like PyTorch's
 * {@code DistributedSampler.set_epoch}: epoch {@code e} of a run with seed {@code s} always sees the same
 * order, so a run resumed at epoch {@code e} sees the batches the uninterrupted run would have seen. (DJL's
 * {@code RandomSampler} draws from a global generator instead.) With {@code shuffle} off, the order is 0..n-1.
 */
public final class SeededSampler implements Sampler.SubSampler {
    private final long seed;
    private final boolean shuffle;
    private int epoch;

    public SeededSampler(long seed, boolean shuffle) {
        this.seed = seed;
        this.shuffle = shuffle;
    }

    /** Selects the epoch whose order the next {@link #sample} call returns. */
    public SeededSampler setEpoch(int epoch) {
        this.epoch = epoch;
        return this;
    }

    /** The index order for the current epoch over {@code size} items. */
    public List<Long> order(long size) {
        List<Long> idx = new ArrayList<>(Math.toIntExact(size));
        for (long i = 0; i < size; i++) {
            idx.add(i);
        }
        if (shuffle) {
            Collections.shuffle(idx, new Random(seed * 0x9E3779B97F4A7C15L + epoch));
        }
        return idx;
    }

    @Override
    public Iterator<Long> sample(RandomAccessDataset dataset) {
        return order(dataset.size()).iterator();
    }
}
