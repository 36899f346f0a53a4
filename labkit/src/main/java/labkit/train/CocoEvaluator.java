package labkit.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import labkit.boxes.BoxAnnotation;
import labkit.boxes.Detection;

/**
 * COCO box mAP as {@code pycocotools.cocoeval.COCOeval(iouType="bbox")} computes it: IoU thresholds
 * 0.50:0.05:0.95, 101 recall points, area ranges all / small (&lt; 32²) / medium / large (&gt; 96²), at most
 * 1/10/100 detections per image and category, greedy matching by score with crowd and out-of-range boxes ignored,
 * precision made monotone and sampled at the recall points, averaged over categories with ground truth. The
 * 12 numbers are COCO's {@code summarize()} order ({@link Metrics#stats()}).
 */
public final class CocoEvaluator {
    private static final double[] AREA_LO = {0, 0, 32 * 32, 96 * 96};
    private static final double[] AREA_HI = {1e10, 32 * 32, 96 * 96, 1e10};
    private static final int[] MAX_DETS = {1, 10, 100};
    private static final int T = 10;
    private static final int R = 101;

    private CocoEvaluator() {}

    /**
     * COCO's summary numbers; -1 where no category has ground truth in that area range (as COCO prints).
     *
     * @param ap AP@[.5:.95] (the COCO mAP)
     * @param ap50 AP at IoU 0.5 (PASCAL VOC-like)
     * @param ap75 AP at IoU 0.75
     * @param apSmall AP for objects below 32² pixels
     * @param apMedium AP for 32² to 96²
     * @param apLarge AP above 96²
     * @param ar1 AR with 1 detection per image
     * @param ar10 AR with 10
     * @param ar100 AR with 100
     * @param arSmall AR small
     * @param arMedium AR medium
     * @param arLarge AR large
     */
    public record Metrics(double ap, double ap50, double ap75, double apSmall, double apMedium, double apLarge,
                          double ar1, double ar10, double ar100, double arSmall, double arMedium, double arLarge) {
        /** The 12 numbers in {@code COCOeval.stats} order. */
        public double[] stats() {
            return new double[] {ap, ap50, ap75, apSmall, apMedium, apLarge, ar1, ar10, ar100, arSmall, arMedium,
                arLarge};
        }
    }

    /**
     * Evaluates {@code detections} against {@code groundTruth} over {@code imageIds} and {@code categoryIds}
     * (COCO takes every image and category of the ground-truth file; detections elsewhere are ignored).
     */
    public static Metrics evaluate(Collection<BoxAnnotation> groundTruth, Collection<Detection> detections,
                                   Collection<Long> imageIds, Collection<Integer> categoryIds) {
        for (Detection d : detections) {
            if (!Double.isFinite(d.score()) || !(d.width() >= 0) || !(d.height() >= 0)) {
                throw new IllegalArgumentException("bad detection " + d + ": need a finite score and width, "
                        + "height >= 0");
            }
        }
        List<Long> imgs = new ArrayList<>(new TreeSet<>(imageIds));
        List<Integer> cats = new ArrayList<>(new TreeSet<>(categoryIds));
        Map<String, List<BoxAnnotation>> gts = new HashMap<>();
        Map<String, List<Detection>> dts = new HashMap<>();
        for (BoxAnnotation g : groundTruth) {
            gts.computeIfAbsent(g.imageId() + "/" + g.categoryId(), k -> new ArrayList<>()).add(g);
        }
        for (Detection d : detections) {
            dts.computeIfAbsent(d.imageId() + "/" + d.categoryId(), k -> new ArrayList<>()).add(d);
        }
        double[][][][] precision = new double[T][R][cats.size()][AREA_LO.length * MAX_DETS.length];
        double[][][] recall = new double[T][cats.size()][AREA_LO.length * MAX_DETS.length];
        for (int k = 0; k < cats.size(); k++) {
            for (int a = 0; a < AREA_LO.length; a++) {
                List<ImageResult> perImage = new ArrayList<>();
                for (long img : imgs) {
                    String key = img + "/" + cats.get(k);
                    ImageResult r = evaluateImage(gts.getOrDefault(key, List.of()), dts.getOrDefault(key, List.of()),
                            AREA_LO[a], AREA_HI[a], MAX_DETS[MAX_DETS.length - 1]);
                    if (r != null) {
                        perImage.add(r);
                    }
                }
                for (int m = 0; m < MAX_DETS.length; m++) {
                    accumulate(perImage, MAX_DETS[m], precision, recall, k, a * MAX_DETS.length + m);
                }
            }
        }
        int all = 0;
        int small = 1;
        int medium = 2;
        int large = 3;
        return new Metrics(
                summarize(precision, recall, true, -1, all, 2), summarize(precision, recall, true, 0, all, 2),
                summarize(precision, recall, true, 5, all, 2), summarize(precision, recall, true, -1, small, 2),
                summarize(precision, recall, true, -1, medium, 2), summarize(precision, recall, true, -1, large, 2),
                summarize(precision, recall, false, -1, all, 0), summarize(precision, recall, false, -1, all, 1),
                summarize(precision, recall, false, -1, all, 2), summarize(precision, recall, false, -1, small, 2),
                summarize(precision, recall, false, -1, medium, 2), summarize(precision, recall, false, -1, large, 2));
    }

    /** IoU threshold t (0..9): {@code linspace(.5, .95, 10)} as numpy computes it. */
    static double iouThreshold(int t) {
        return t == 9 ? 0.95 : 0.5 + t * ((0.95 - 0.5) / 9);
    }

    /** One image × category × area range after matching: scores, matched flags and ignore flags per threshold. */
    private record ImageResult(double[] scores, boolean[][] matched, boolean[][] ignored, int gtNotIgnored) {}

    private static ImageResult evaluateImage(List<BoxAnnotation> gtIn, List<Detection> dtIn, double lo, double hi,
                                             int maxDet) {
        if (gtIn.isEmpty() && dtIn.isEmpty()) {
            return null;
        }
        int ng = gtIn.size();
        boolean[] gIgnoreRaw = new boolean[ng];
        for (int i = 0; i < ng; i++) {
            BoxAnnotation g = gtIn.get(i);
            gIgnoreRaw[i] = g.crowd() || g.area() < lo || g.area() > hi;
        }
        // ground truth: not-ignored first (stable), detections by score (stable), at most maxDet
        Integer[] gOrder = new Integer[ng];
        for (int i = 0; i < ng; i++) {
            gOrder[i] = i;
        }
        Arrays.sort(gOrder, (p, q) -> Boolean.compare(gIgnoreRaw[p], gIgnoreRaw[q]));
        List<BoxAnnotation> gt = new ArrayList<>();
        boolean[] gIgnore = new boolean[ng];
        for (int i = 0; i < ng; i++) {
            gt.add(gtIn.get(gOrder[i]));
            gIgnore[i] = gIgnoreRaw[gOrder[i]];
        }
        List<Detection> dt = new ArrayList<>(dtIn);
        dt.sort((p, q) -> Double.compare(q.score(), p.score()));
        if (dt.size() > maxDet) {
            dt = dt.subList(0, maxDet);
        }
        int nd = dt.size();
        double[][] ious = new double[nd][ng];
        for (int d = 0; d < nd; d++) {
            for (int g = 0; g < ng; g++) {
                ious[d][g] = iou(dt.get(d), gt.get(g));
            }
        }
        boolean[][] dtMatched = new boolean[T][nd];
        boolean[][] dtIgnore = new boolean[T][nd];
        for (int t = 0; t < T; t++) {
            boolean[] gtMatched = new boolean[ng];
            for (int d = 0; d < nd; d++) {
                double best = Math.min(iouThreshold(t), 1 - 1e-10);
                int m = -1;
                for (int g = 0; g < ng; g++) {
                    if (gtMatched[g] && !gt.get(g).crowd()) {
                        continue;
                    }
                    if (m > -1 && !gIgnore[m] && gIgnore[g]) {
                        break;
                    }
                    if (ious[d][g] < best) {
                        continue;
                    }
                    best = ious[d][g];
                    m = g;
                }
                if (m == -1) {
                    continue;
                }
                dtIgnore[t][d] = gIgnore[m];
                dtMatched[t][d] = true;
                gtMatched[m] = true;
            }
            for (int d = 0; d < nd; d++) {
                double area = dt.get(d).area();
                if (!dtMatched[t][d] && (area < lo || area > hi)) {
                    dtIgnore[t][d] = true;
                }
            }
        }
        double[] scores = new double[nd];
        for (int d = 0; d < nd; d++) {
            scores[d] = dt.get(d).score();
        }
        int npig = 0;
        for (boolean b : gIgnore) {
            if (!b) {
                npig++;
            }
        }
        return new ImageResult(scores, dtMatched, dtIgnore, npig);
    }

    /** Box IoU as pycocotools' {@code bbIou}: for a crowd box the union is the detection's area. */
    static double iou(Detection d, BoxAnnotation g) {
        double w = Math.min(d.x() + d.width(), g.x() + g.width()) - Math.max(d.x(), g.x());
        if (w <= 0) {
            return 0;
        }
        double h = Math.min(d.y() + d.height(), g.y() + g.height()) - Math.max(d.y(), g.y());
        if (h <= 0) {
            return 0;
        }
        double inter = w * h;
        double union = g.crowd() ? d.width() * d.height() : d.width() * d.height() + g.width() * g.height() - inter;
        return inter / union;
    }

    private static void accumulate(List<ImageResult> perImage, int maxDet, double[][][][] precision,
                                   double[][][] recall, int k, int am) {
        List<double[]> rows = new ArrayList<>(); // {score, imageIndex, detIndex}
        int npig = 0;
        for (int i = 0; i < perImage.size(); i++) {
            ImageResult r = perImage.get(i);
            npig += r.gtNotIgnored();
            for (int d = 0; d < Math.min(maxDet, r.scores().length); d++) {
                rows.add(new double[] {r.scores()[d], i, d});
            }
        }
        if (npig == 0) {
            for (int t = 0; t < T; t++) {
                recall[t][k][am] = -1;
                for (int ri = 0; ri < R; ri++) {
                    precision[t][ri][k][am] = -1;
                }
            }
            return;
        }
        rows.sort((p, q) -> Double.compare(q[0], p[0])); // stable, as numpy's mergesort of -scores
        int nd = rows.size();
        for (int t = 0; t < T; t++) {
            double[] rc = new double[nd];
            double[] pr = new double[nd];
            double tp = 0;
            double fp = 0;
            int n = 0;
            for (double[] row : rows) {
                ImageResult r = perImage.get((int) row[1]);
                int d = (int) row[2];
                boolean ign = r.ignored()[t][d];
                boolean m = r.matched()[t][d];
                if (m && !ign) {
                    tp++;
                } else if (!m && !ign) {
                    fp++;
                }
                rc[n] = tp / npig;
                pr[n] = tp / (fp + tp + Math.ulp(1.0));
                n++;
            }
            recall[t][k][am] = nd > 0 ? rc[nd - 1] : 0;
            for (int i = nd - 1; i > 0; i--) {
                if (pr[i] > pr[i - 1]) {
                    pr[i - 1] = pr[i];
                }
            }
            for (int ri = 0; ri < R; ri++) {
                double thr = ri * 0.01; // linspace(0, 1, 101): i * step, not i / 100
                int idx = lowerBound(rc, thr);
                precision[t][ri][k][am] = idx < nd ? pr[idx] : 0;
            }
        }
    }

    /** numpy's {@code searchsorted(a, v, side='left')}. */
    private static int lowerBound(double[] a, double v) {
        int lo = 0;
        int hi = a.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (a[mid] < v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }

    private static double summarize(double[][][][] precision, double[][][] recall, boolean ap, int t, int area,
                                    int m) {
        int am = area * MAX_DETS.length + m;
        double sum = 0;
        int n = 0;
        for (int ti = 0; ti < T; ti++) {
            if (t >= 0 && ti != t) {
                continue;
            }
            for (int k = 0; k < recall[ti].length; k++) {
                if (ap) {
                    for (int ri = 0; ri < R; ri++) {
                        double v = precision[ti][ri][k][am];
                        if (v > -1) {
                            sum += v;
                            n++;
                        }
                    }
                } else {
                    double v = recall[ti][k][am];
                    if (v > -1) {
                        sum += v;
                        n++;
                    }
                }
            }
        }
        return n == 0 ? -1 : sum / n;
    }
}
