package labkit.plot;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import labkit.image.Colormap;

/**
 * Depth results as pictures: one row per sample with the RGB input, the colour-mapped ground truth and (when
 * given) the colour-mapped prediction, all depths on the same scale (0 … 1 of the maximum depth, so equal colours
 * mean equal metres). Rendered through {@link ImageGrid}; show it with {@link Show#show}.
 *
 * <pre>{@code
 * var p = new DepthPanels(Colormap.viridis());
 * NyuDepthV2.Preview s = test.preview(0);
 * p.add(s.rgb(), s.depth(), predicted, s.depthSize(), "sample 0");
 * Show.show(p.render());
 * }</pre>
 */
public final class DepthPanels {
    private final Colormap colormap;
    private final List<Object[]> rows = new ArrayList<>();
    private int cellSize = 160;
    private double vmin = 0;
    private double vmax = 1;
    private String heading;

    public DepthPanels(Colormap colormap) {
        if (colormap == null) {
            throw new IllegalArgumentException("colormap is null: use e.g. Colormap.viridis()");
        }
        this.colormap = colormap;
    }

    /** Side of each panel in pixels (default 160). */
    public DepthPanels cellSize(int pixels) {
        this.cellSize = pixels;
        return this;
    }

    /** The depth range mapped onto the colormap (default 0 … 1, i.e. normalised depth). */
    public DepthPanels range(double vmin, double vmax) {
        if (!(vmax > vmin)) {
            throw new IllegalArgumentException("range needs vmax > vmin, got " + vmin + ", " + vmax);
        }
        this.vmin = vmin;
        this.vmax = vmax;
        return this;
    }

    public DepthPanels heading(String heading) {
        this.heading = heading;
        return this;
    }

    /**
     * Adds a row: the RGB image, the true depth and the predicted depth ({@code null} for none), both depths
     * {@code size}×{@code size} row-major.
     */
    public DepthPanels add(BufferedImage rgb, float[] truth, float[] prediction, int size, String title) {
        if (rgb == null || truth == null) {
            throw new IllegalArgumentException("DepthPanels.add needs an RGB image and the true depth");
        }
        if (truth.length != size * size || (prediction != null && prediction.length != size * size)) {
            throw new IllegalArgumentException("DepthPanels.add: depth maps must have " + size + "×" + size + " values, got "
                    + truth.length + (prediction == null ? "" : " and " + prediction.length));
        }
        rows.add(new Object[] {rgb, truth, prediction, size, title == null ? "" : title});
        return this;
    }

    /** Number of rows added. */
    public int size() {
        return rows.size();
    }

    /** Renders the rows into one image. */
    public BufferedImage render() {
        if (rows.isEmpty()) {
            throw new IllegalStateException("DepthPanels is empty: add(rgb, truth, prediction, size, title) first");
        }
        boolean withPrediction = rows.stream().anyMatch(r -> r[2] != null);
        ImageGrid grid = new ImageGrid().columns(withPrediction ? 3 : 2).cellSize(cellSize);
        grid.heading(heading != null ? heading : String.format(Locale.ROOT, "%s, depth %.2f … %.2f", colormap.name(),
                vmin, vmax));
        for (Object[] r : rows) {
            int size = (Integer) r[3];
            grid.add((BufferedImage) r[0], (String) r[4]);
            grid.add(colormap.apply((float[]) r[1], size, size, vmin, vmax), "ground truth");
            if (withPrediction) {
                float[] p = (float[]) r[2];
                grid.add(p == null ? blank(size) : colormap.apply(p, size, size, vmin, vmax), "prediction");
            }
        }
        return grid.render();
    }

    private static BufferedImage blank(int size) {
        return new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
    }
}
