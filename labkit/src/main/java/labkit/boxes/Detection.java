package labkit.boxes;

/**
 * One detected box in COCO's result format ({@code {"image_id", "category_id", "bbox": [x, y, w, h], "score"}}).
 *
 * @param imageId image id
 * @param categoryId category id
 * @param x left
 * @param y top
 * @param width box width
 * @param height box height
 * @param score confidence (higher first)
 */
public record Detection(long imageId, int categoryId, double x, double y, double width, double height,
                        double score) {

    /** Box area {@code width × height}, as COCO's {@code loadRes} sets it for box results. */
    public double area() {
        return width * height;
    }
}
