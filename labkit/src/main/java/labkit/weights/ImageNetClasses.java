package labkit.weights;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The 1000 ImageNet-1k class names in torchvision's order (index 0 "tench" … 999 "toilet tissue"), taken from
 * torchvision 0.14's weights meta ({@code MobileNet_V2_Weights.IMAGENET1K_V1.meta["categories"]}).
 */
public final class ImageNetClasses {
    private static volatile List<String> names;

    private ImageNetClasses() {}

    /** All 1000 names. */
    public static List<String> names() {
        List<String> n = names;
        if (n == null) {
            try (InputStream in = ImageNetClasses.class.getResourceAsStream("/labkit/weights/imagenet_classes.txt")) {
                if (in == null) {
                    throw new IllegalStateException("labkit jar lacks labkit/weights/imagenet_classes.txt");
                }
                n = List.copyOf(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)).lines()
                        .filter(l -> !l.isEmpty()).toList());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            if (n.size() != 1000) {
                throw new IllegalStateException("imagenet_classes.txt has " + n.size() + " names, expected 1000");
            }
            names = n;
        }
        return n;
    }

    /** The name of class {@code index}. */
    public static String name(int index) {
        return names().get(index);
    }
}
