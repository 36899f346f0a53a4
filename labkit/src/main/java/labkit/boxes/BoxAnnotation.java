package labkit.boxes;

/**
 * One ground-truth box as a COCO annotation holds it: image, category, box {@code [x, y, width, height]} in
 * pixels (top-left corner), the area used for the small/medium/large split, and whether it is a crowd region
 * (crowd boxes are never counted as misses and may absorb several detections).
 *
 * @param id annotation id
 * @param imageId image id
 * @param categoryId category id (COCO ids, not necessarily contiguous)
 * @param x left
 * @param y top
 * @param width box width
 * @param height box height
 * @param area object area in pixels² (COCO uses the segment area; for boxes only {@code width × height})
 * @param crowd COCO's {@code iscrowd}
 */
public record BoxAnnotation(long id, long imageId, int categoryId, double x, double y, double width, double height,
                            double area, boolean crowd) {

    public BoxAnnotation {
        if (!(width >= 0 && height >= 0) || !Double.isFinite(x) || !Double.isFinite(y)) {
            throw new IllegalArgumentException("annotation " + id + ": bad box [" + x + ", " + y + ", " + width
                    + ", " + height + "] (need finite x, y and width, height >= 0)");
        }
    }
}
