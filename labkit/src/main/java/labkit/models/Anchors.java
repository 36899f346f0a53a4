package labkit.models;

import java.util.ArrayList;
import java.util.List;

/**
 * SSD default boxes ("anchors") in normalized image coordinates {@code [cx, cy, w, h]}: for feature map k of
 * {@code f×f} cells, one box per cell centre and aspect ratio with scale {@code s_k}, plus an extra square box of
 * scale {@code sqrt(s_k · s_{k+1})} (Liu et al., SSD, 2016). Order: map, row, column, box — the order of
 * {@link SsdLite}'s head outputs.
 *
 * @param boxes anchors, each {@code {cx, cy, w, h}}
 * @param perCell boxes per cell (same on every map)
 */
public record Anchors(float[][] boxes, int perCell) {

    /**
     * Anchors for maps of sizes {@code featureSizes} (e.g. {@code 8, 4} for a 128-pixel input at strides 16 and
     * 32) with scales spread evenly from {@code minScale} to {@code maxScale} and aspect ratios 1, 2, 1/2.
     */
    public static Anchors ssd(int[] featureSizes, double minScale, double maxScale) {
        if (featureSizes.length == 0 || !(minScale > 0 && maxScale >= minScale && maxScale <= 1.5)) {
            throw new IllegalArgumentException("need feature sizes and 0 < minScale <= maxScale <= 1.5");
        }
        int m = featureSizes.length;
        double[] s = new double[m + 1];
        for (int k = 0; k < m; k++) {
            s[k] = m == 1 ? minScale : minScale + (maxScale - minScale) * k / (m - 1);
        }
        s[m] = m == 1 ? Math.min(1.0, maxScale * 1.5) : maxScale + (maxScale - minScale) / (m - 1);
        double[] ratios = {1, 2, 0.5};
        List<float[]> out = new ArrayList<>();
        for (int k = 0; k < m; k++) {
            int f = featureSizes[k];
            for (int i = 0; i < f; i++) {
                for (int j = 0; j < f; j++) {
                    float cx = (float) ((j + 0.5) / f);
                    float cy = (float) ((i + 0.5) / f);
                    for (double r : ratios) {
                        double q = Math.sqrt(r);
                        out.add(new float[] {cx, cy, (float) (s[k] * q), (float) (s[k] / q)});
                    }
                    float extra = (float) Math.sqrt(s[k] * s[k + 1]);
                    out.add(new float[] {cx, cy, extra, extra});
                }
            }
        }
        return new Anchors(out.toArray(new float[0][]), ratios.length + 1);
    }

    /** Number of anchors. */
    public int size() {
        return boxes.length;
    }
}
