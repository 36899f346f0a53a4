package labkit.models;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Greedy non-maximum suppression as {@code torchvision.ops.nms}: boxes in descending score order, each kept
 * unless its IoU with an already kept box is greater than {@code iouThreshold}.
 */
public final class Nms {
    private Nms() {}

    /** Indices of the kept boxes (cx, cy, w, h), highest score first. */
    public static int[] apply(float[][] boxes, float[] scores, double iouThreshold) {
        if (boxes.length != scores.length) {
            throw new IllegalArgumentException(boxes.length + " boxes but " + scores.length + " scores");
        }
        Integer[] order = new Integer[boxes.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (p, q) -> Float.compare(scores[q], scores[p]));
        List<Integer> keep = new ArrayList<>();
        for (int i : order) {
            boolean ok = true;
            for (int k : keep) {
                if (BoxCoder.iou(boxes[i], boxes[k]) > iouThreshold) {
                    ok = false;
                    break;
                }
            }
            if (ok) {
                keep.add(i);
            }
        }
        return keep.stream().mapToInt(Integer::intValue).toArray();
    }
}
