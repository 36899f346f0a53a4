package labkit.models;

import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.Dropout;
import labkit.nn.Act;
import labkit.nn.ConvBnAct;
import labkit.nn.Flatten;
import labkit.nn.MaxPool2d;
import labkit.nn.Sequential;

/**
 * The Task 1 CNN: three conv stages (conv3×3 + BN + ReLU, 2×2 max-pool) and two fully connected layers,
 * turning an N×3×S×S image batch (S divisible by 8) into N class logits. Children are named
 * {@code features} and {@code classifier} like torchvision's small models.
 */
public final class Task1Cnn {
    private Task1Cnn() {}

    /** Builds the CNN for {@code numClasses} classes and {@code imageSize}×{@code imageSize} inputs. */
    public static Block create(int numClasses, int imageSize) {
        return create(numClasses, imageSize, 32);
    }

    /** As {@link #create(int, int)}, with {@code width} channels in the first stage (doubling each stage). */
    public static Block create(int numClasses, int imageSize, int width) {
        if (numClasses < 2) {
            throw new IllegalArgumentException("numClasses must be >= 2, got " + numClasses);
        }
        if (imageSize < 8 || imageSize % 8 != 0) {
            throw new IllegalArgumentException("imageSize must be a multiple of 8 (three 2×2 poolings), got " + imageSize);
        }
        Sequential features = new Sequential()
                .add(ConvBnAct.builder(width).build())
                .add(new MaxPool2d(2))
                .add(ConvBnAct.builder(width * 2).build())
                .add(new MaxPool2d(2))
                .add(ConvBnAct.builder(width * 4).build())
                .add(new MaxPool2d(2));
        Sequential classifier = new Sequential()
                .add(new Flatten())
                .add(Linear.builder().setUnits(128).build())
                .add(Act.relu())
                .add(Dropout.builder().optRate(0.25f).build())
                .add(Linear.builder().setUnits(numClasses).build());
        return new Sequential().add("features", features).add("classifier", classifier);
    }
}
