package labkit.models;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.core.Linear;
import java.util.Arrays;
import labkit.nn.Act;
import labkit.nn.ConvBnAct;
import labkit.nn.Flatten;
import labkit.nn.GlobalAvgPool;
import labkit.nn.MaxPool2d;
import labkit.nn.Sequential;

/**
 * The depthwise-separable student network of the NTU "Network Compression" homework: a first block of conv3×3 +
 * BN + ReLU6 + max-pool, then seven blocks of depthwise 3×3 conv + BN + ReLU6 + pointwise 1×1 conv (max-pooling
 * after the first three of them), global average pooling and a linear head. Block widths are
 * {@code base × (1, 2, 4, 8, 16, 16, 16, 16)}; {@code widthMult} scales blocks 3–6, truncating like the
 * homework's {@code int(bandwidth[i] * width_mult)}. Children and parameter names match the homework's
 * PyTorch module ({@code cnn.1.0.weight} is block 1's depthwise conv, {@code cnn.1.3} its pointwise conv,
 * {@code fc.0} the head); convolutions keep PyTorch's default bias.
 *
 * <p>{@link #standard(int, double, int)} builds the same widths with ordinary 3×3 convolutions (conv + BN +
 * ReLU6 per block), the network the homework compares against.
 */
public final class StudentNet extends Sequential {
    private static final int[] MULTIPLIER = {1, 2, 4, 8, 16, 16, 16, 16};
    /** Blocks whose outputs are max-pooled (2×2): the first four, as in the homework. */
    public static final int POOLED_BLOCKS = 4;

    private final int base;
    private final double widthMult;
    private final int classes;
    private final boolean separable;
    private final int[] bandwidth;

    /** The depthwise-separable student ({@code base} 16 and {@code widthMult} 1 in the homework). */
    public StudentNet(int base, double widthMult, int classes) {
        this(base, widthMult, classes, true);
    }

    private StudentNet(int base, double widthMult, int classes, boolean separable) {
        if (base < 1) {
            throw new IllegalArgumentException("base must be >= 1 channel, got " + base);
        }
        if (!(widthMult > 0) || Double.isInfinite(widthMult)) {
            throw new IllegalArgumentException("widthMult must be > 0, got " + widthMult);
        }
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        }
        this.base = base;
        this.widthMult = widthMult;
        this.classes = classes;
        this.separable = separable;
        this.bandwidth = bandwidth(base, widthMult);
        Sequential cnn = new Sequential();
        cnn.add(new Sequential()
                .add(conv(bandwidth[0], 3, 1))
                .add(ConvBnAct.batchNorm(1e-5f))
                .add(Act.relu6())
                .add(new MaxPool2d(2)));
        for (int i = 1; i < bandwidth.length; i++) {
            Sequential block = new Sequential();
            if (separable) {
                block.add(conv(bandwidth[i - 1], 3, bandwidth[i - 1]))
                        .add(ConvBnAct.batchNorm(1e-5f))
                        .add(Act.relu6())
                        .add(conv(bandwidth[i], 1, 1));
            } else {
                block.add(conv(bandwidth[i], 3, 1)).add(ConvBnAct.batchNorm(1e-5f)).add(Act.relu6());
            }
            if (i < POOLED_BLOCKS) {
                block.add(new MaxPool2d(2));
            }
            cnn.add(block);
        }
        cnn.add(new GlobalAvgPool());
        add("cnn", cnn);
        add("flatten", new Flatten());
        add("fc", new Sequential().add(Linear.builder().setUnits(classes).build()));
    }

    /** The same widths built from standard 3×3 convolutions instead of depthwise-separable ones. */
    public static StudentNet standard(int base, double widthMult, int classes) {
        return new StudentNet(base, widthMult, classes, false);
    }

    /** Channel widths of the eight blocks: {@code base × (1,2,4,8,16,16,16,16)}, blocks 3–6 times {@code widthMult}. */
    public static int[] bandwidth(int base, double widthMult) {
        int[] bw = new int[MULTIPLIER.length];
        for (int i = 0; i < bw.length; i++) {
            bw[i] = base * MULTIPLIER[i];
            if (i >= 3 && i <= 6) {
                bw[i] = (int) (bw[i] * widthMult);
                if (bw[i] < 1) {
                    throw new IllegalArgumentException("widthMult " + widthMult + " leaves block " + i
                            + " with no channels (base " + base + "); use a larger widthMult or base");
                }
            }
        }
        return bw;
    }

    private static Block conv(int out, int kernel, int groups) {
        return Conv2d.builder().setKernelShape(new Shape(kernel, kernel)).setFilters(out)
                .optPadding(new Shape((kernel - 1) / 2, (kernel - 1) / 2)).optGroups(groups).build();
    }

    public int base() { return base; }
    public double widthMult() { return widthMult; }
    public int classes() { return classes; }
    /** True for the depthwise-separable student, false for {@link #standard}. */
    public boolean separable() { return separable; }
    /** This network's eight block widths. */
    public int[] widths() { return bandwidth.clone(); }

    @Override
    public String toString() {
        return (separable ? "StudentNet" : "StudentNet.standard") + "(base=" + base + ", widthMult=" + widthMult
                + ", classes=" + classes + ", widths=" + Arrays.toString(bandwidth) + ")";
    }
}
