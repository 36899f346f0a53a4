package labkit.plot;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;

/**
 * Lays images out in a grid with a title above each one (e.g. originals next to their augmented versions,
 * class names as titles) and returns one {@link BufferedImage} that {@link Show#show} displays. Small images are
 * scaled up with nearest-neighbour so 32×32 pixels stay visible.
 */
public final class ImageGrid {
    private final List<BufferedImage> images = new ArrayList<>();
    private final List<String> titles = new ArrayList<>();
    private int columns = 8;
    private int cellSize = 96;
    private String heading;

    /** An empty grid with 8 columns of 96-pixel cells. */
    public ImageGrid() {}

    /** Number of columns (rows follow from the number of images). */
    public ImageGrid columns(int columns) {
        if (columns < 1) {
            throw new IllegalArgumentException("columns must be >= 1, got " + columns);
        }
        this.columns = columns;
        return this;
    }

    /** Side of each cell in pixels; images are scaled to fit it. */
    public ImageGrid cellSize(int pixels) {
        if (pixels < 8) {
            throw new IllegalArgumentException("cellSize must be >= 8 pixels, got " + pixels);
        }
        this.cellSize = pixels;
        return this;
    }

    /** A heading drawn above the grid. */
    public ImageGrid heading(String heading) {
        this.heading = heading;
        return this;
    }

    /** Adds one image with a title (may be empty). */
    public ImageGrid add(BufferedImage image, String title) {
        if (image == null) {
            throw new IllegalArgumentException("image must not be null (title '" + title + "')");
        }
        images.add(image);
        titles.add(title == null ? "" : title);
        return this;
    }

    /**
     * Adds one image given as an H×W×C array (uint8 or float in [0,255]) or a C×H×W tensor in [0,1], as
     * {@link labkit.image.Images#toBufferedImage} reads them.
     */
    public ImageGrid add(ai.djl.ndarray.NDArray image, String title) {
        return add(labkit.image.Images.toBufferedImage(image), title);
    }

    /** Number of images added so far. */
    public int size() {
        return images.size();
    }

    /** Renders the grid. */
    public BufferedImage render() {
        if (images.isEmpty()) {
            throw new IllegalStateException("ImageGrid is empty: add(image, title) at least one image");
        }
        int cols = Math.min(columns, images.size());
        int rows = (images.size() + cols - 1) / cols;
        Font font = new Font(Font.SANS_SERIF, Font.PLAIN, Math.max(10, Math.min(14, cellSize / 7)));
        int titleH = font.getSize() + 6;
        int headH = heading == null ? 0 : titleH + 6;
        int pad = 4;
        int w = cols * (cellSize + pad) + pad;
        int h = headH + rows * (cellSize + titleH + pad) + pad;
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.DARK_GRAY);
        if (heading != null) {
            g.setFont(font.deriveFont(Font.BOLD, font.getSize() + 2f));
            g.drawString(heading, pad, titleH);
        }
        g.setFont(font);
        FontMetrics fm = g.getFontMetrics();
        for (int i = 0; i < images.size(); i++) {
            int r = i / cols;
            int c = i % cols;
            int x0 = pad + c * (cellSize + pad);
            int y0 = headH + pad + r * (cellSize + titleH + pad);
            String t = fit(titles.get(i), fm, cellSize);
            g.setColor(Color.DARK_GRAY);
            g.drawString(t, x0 + (cellSize - fm.stringWidth(t)) / 2, y0 + fm.getAscent());
            BufferedImage img = images.get(i);
            double scale = Math.min((double) cellSize / img.getWidth(), (double) cellSize / img.getHeight());
            int iw = Math.max(1, (int) Math.round(img.getWidth() * scale));
            int ih = Math.max(1, (int) Math.round(img.getHeight() * scale));
            boolean upscale = scale >= 1;
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, upscale
                    ? RenderingHints.VALUE_INTERPOLATION_NEAREST_NEIGHBOR : RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(img, x0 + (cellSize - iw) / 2, y0 + titleH + (cellSize - ih) / 2, iw, ih, null);
        }
        g.dispose();
        return out;
    }

    private static String fit(String s, FontMetrics fm, int width) {
        if (fm.stringWidth(s) <= width) {
            return s;
        }
        String t = s;
        while (t.length() > 1 && fm.stringWidth(t + "…") > width) {
            t = t.substring(0, t.length() - 1);
        }
        return t + "…";
    }
}
