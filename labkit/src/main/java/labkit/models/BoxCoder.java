package labkit.models;

/**
 * SSD box coding and anchor matching on plain arrays, boxes as {@code {cx, cy, w, h}} or corner form
 * {@code {x1, y1, x2, y2}}. Offsets are torchvision's {@code BoxCoder(weights=(10, 10, 5, 5))}:
 * {@code t = (10 (cx - a_cx) / a_w, 10 (cy - a_cy) / a_h, 5 log(w / a_w), 5 log(h / a_h))}.
 */
public final class BoxCoder {
    /** Largest {@code |log(w / a_w)|} a decoded offset may give (torchvision's {@code log(1000/16)}). */
    static final double CLIP = Math.log(1000.0 / 16);

    private BoxCoder() {}

    /** Offsets of box {@code b} relative to anchor {@code a} (both cx, cy, w, h). */
    public static float[] encode(float[] b, float[] a) {
        return new float[] {10 * (b[0] - a[0]) / a[2], 10 * (b[1] - a[1]) / a[3],
            (float) (5 * Math.log(b[2] / a[2])), (float) (5 * Math.log(b[3] / a[3]))};
    }

    /** The box that offsets {@code t} describe around anchor {@code a} (inverse of {@link #encode}). */
    public static float[] decode(float[] t, float[] a) {
        double dw = Math.min(t[2] / 5.0, CLIP);
        double dh = Math.min(t[3] / 5.0, CLIP);
        return new float[] {t[0] / 10 * a[2] + a[0], t[1] / 10 * a[3] + a[1], (float) (a[2] * Math.exp(dw)),
            (float) (a[3] * Math.exp(dh))};
    }

    /** IoU of two boxes in (cx, cy, w, h) form. */
    public static double iou(float[] p, float[] q) {
        double w = Math.min(p[0] + p[2] / 2, q[0] + q[2] / 2) - Math.max(p[0] - p[2] / 2, q[0] - q[2] / 2);
        double h = Math.min(p[1] + p[3] / 2, q[1] + q[3] / 2) - Math.max(p[1] - p[3] / 2, q[1] - q[3] / 2);
        if (w <= 0 || h <= 0) {
            return 0;
        }
        double inter = w * h;
        return inter / ((double) p[2] * p[3] + (double) q[2] * q[3] - inter);
    }

    /**
     * SSD matching: every anchor takes the ground-truth box it overlaps most if that IoU is at least
     * {@code threshold}, and every ground-truth box claims its best anchor regardless. Returns per anchor the
     * index of its box, or -1 (background).
     */
    public static int[] match(float[][] anchors, float[][] gt, double threshold) {
        int[] m = new int[anchors.length];
        java.util.Arrays.fill(m, -1);
        if (gt.length == 0) {
            return m;
        }
        double[] bestIou = new double[anchors.length];
        int[] gtBest = new int[gt.length];
        double[] gtBestIou = new double[gt.length];
        java.util.Arrays.fill(gtBestIou, -1);
        for (int a = 0; a < anchors.length; a++) {
            for (int g = 0; g < gt.length; g++) {
                double v = iou(anchors[a], gt[g]);
                if (v > bestIou[a]) {
                    bestIou[a] = v;
                    if (v >= threshold) {
                        m[a] = g;
                    }
                }
                if (v > gtBestIou[g]) {
                    gtBestIou[g] = v;
                    gtBest[g] = a;
                }
            }
        }
        for (int g = 0; g < gt.length; g++) {
            m[gtBest[g]] = g;
        }
        return m;
    }

    /**
     * SSD training targets for one image: per anchor the class (0 background, else the category id) and the
     * offsets to its matched box ({@link #match} at IoU {@code threshold}), as {@code [A] float, [A×4] float}.
     */
    public static ai.djl.ndarray.NDList targets(ai.djl.ndarray.NDManager manager, Anchors anchors, float[][] boxes,
                                               int[] categories, double threshold) {
        float[][] a = anchors.boxes();
        int[] m = match(a, boxes, threshold);
        float[] cls = new float[a.length];
        float[] off = new float[a.length * 4];
        for (int i = 0; i < a.length; i++) {
            if (m[i] >= 0) {
                cls[i] = categories[m[i]];
                System.arraycopy(encode(boxes[m[i]], a[i]), 0, off, 4 * i, 4);
            }
        }
        return new ai.djl.ndarray.NDList(manager.create(cls),
                manager.create(off, new ai.djl.ndarray.types.Shape(a.length, 4)));
    }
}
