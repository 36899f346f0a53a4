package labkit.image;

import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.IIOException;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.metadata.IIOMetadata;
import javax.imageio.stream.ImageInputStream;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * Decodes image files the way PIL does for torchvision: a file the decoder warns about (a truncated JPEG, whose
 * missing part ImageIO would fill with grey) is an error naming it; CMYK and YCCK JPEGs are converted with PIL's
 * formula instead of being read as RGB; a JPEG's EXIF orientation is applied ({@code ImageOps.exif_transpose}).
 */
final class ImageDecoder {
    private static final String JPEG_METADATA = "javax_imageio_jpeg_image_1.0";

    private ImageDecoder() {}

    /** Decodes {@code file}; the caller has checked that it exists and is a regular file. */
    static BufferedImage decode(Path file) throws IOException {
        Path abs = file.toAbsolutePath();
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            if (in == null) {
                throw new IOException("cannot open " + abs);
            }
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, false);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                boolean jpeg = reader.getFormatName().toLowerCase(java.util.Locale.ROOT).startsWith("jp");
                IIOMetadata meta = jpeg ? reader.getImageMetadata(0) : null;
                Node jpegTree = meta == null ? null : meta.getAsTree(JPEG_METADATA);
                BufferedImage image;
                if (jpegTree != null && components(jpegTree) == 4) {
                    image = cmykToRgb(reader.readRaster(0, null), adobeTransform(jpegTree));
                } else {
                    image = reader.read(0);
                }
                if (!warnings.isEmpty()) {
                    throw new IOException("image file " + abs + " is truncated or damaged (" + warnings.get(0)
                            + "); PIL refuses it too (\"image file is truncated\"): copy or download it again");
                }
                if (jpegTree != null) {
                    image = orient(image, exifOrientation(jpegTree));
                }
                return image;
            } finally {
                reader.dispose();
            }
        } catch (IIOException e) {
            String m = e.getMessage() == null ? "" : e.getMessage();
            String cause = e.getCause() == null || e.getCause().getMessage() == null ? "" : e.getCause().getMessage();
            if (m.contains("truncated") || cause.contains("EOF") || e.getCause() instanceof java.io.EOFException) {
                throw new IOException("image file " + abs + " is truncated (" + m + "); copy or download it again", e);
            }
            throw new IOException("cannot read image " + abs + ": " + m, e);
        }
    }

    /** Number of colour components in the JPEG's frame header (SOF). */
    private static int components(Node tree) {
        Node sof = find(tree, "sof");
        if (sof == null) {
            return 3;
        }
        int n = 0;
        for (Node c = sof.getFirstChild(); c != null; c = c.getNextSibling()) {
            if ("componentSpec".equals(c.getNodeName())) {
                n++;
            }
        }
        return n;
    }

    /** The Adobe APP14 marker's transform (0 CMYK, 2 YCCK), or -1 without the marker. */
    private static int adobeTransform(Node tree) {
        Node adobe = find(tree, "app14Adobe");
        if (adobe == null) {
            return -1;
        }
        Node t = adobe.getAttributes().getNamedItem("transform");
        return t == null ? 0 : Integer.parseInt(t.getNodeValue());
    }

    /**
     * A 4-channel JPEG to RGB as PIL does: the samples are inverted CMYK (Adobe's convention, which PIL assumes
     * with or without the Adobe marker; YCCK files hold YCbCr of the inverted C, M, Y plus inverted K, converted
     * first as libjpeg does); PIL's {@code cmyk2rgb} then gives {@code R = nk - C·nk/255} with {@code nk = 255 - K},
     * in integer arithmetic.
     */
    static BufferedImage cmykToRgb(Raster raw, int adobeTransform) {
        int w = raw.getWidth();
        int h = raw.getHeight();
        BufferedImage out = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        int[] px = new int[4];
        int[] rgb = new int[w * h];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                raw.getPixel(raw.getMinX() + x, raw.getMinY() + y, px);
                int c = px[0];
                int m = px[1];
                int ye = px[2];
                int k = px[3];
                if (adobeTransform == 2) {
                    // libjpeg's ycck_cmyk_convert: YCbCr to RGB, then 255 - each (K passes through)
                    int[] t = ycc(c, m, ye);
                    c = 255 - t[0];
                    m = 255 - t[1];
                    ye = 255 - t[2];
                }
                // PIL reads every 4-channel JPEG as inverted ("CMYK;I", "assume adobe conventions")
                c = 255 - c;
                m = 255 - m;
                ye = 255 - ye;
                k = 255 - k;
                int nk = 255 - k;
                rgb[y * w + x] = clip8(nk - mulDiv255(c, nk)) << 16 | clip8(nk - mulDiv255(m, nk)) << 8
                        | clip8(nk - mulDiv255(ye, nk));
            }
        }
        out.setRGB(0, 0, w, h, rgb, 0, w);
        return out;
    }

    /** libjpeg's YCbCr to RGB (JFIF full range), rounded and clamped. */
    private static int[] ycc(int y, int cb, int cr) {
        double r = y + 1.402 * (cr - 128);
        double g = y - 0.344136 * (cb - 128) - 0.714136 * (cr - 128);
        double b = y + 1.772 * (cb - 128);
        return new int[] {clip8((int) Math.round(r)), clip8((int) Math.round(g)), clip8((int) Math.round(b))};
    }

    /** PIL's {@code MULDIV255(a, b)}: a·b/255 rounded, in integers. */
    private static int mulDiv255(int a, int b) {
        int t = a * b + 128;
        return ((t >> 8) + t) >> 8;
    }

    private static int clip8(int v) {
        return v < 0 ? 0 : Math.min(255, v);
    }

    /** The EXIF orientation (1..8) from the JPEG's APP1 marker, or 1 when there is none. */
    static int exifOrientation(Node tree) {
        Node seq = find(tree, "markerSequence");
        if (seq == null) {
            return 1;
        }
        for (Node c = seq.getFirstChild(); c != null; c = c.getNextSibling()) {
            if (!"unknown".equals(c.getNodeName())) {
                continue;
            }
            NamedNodeMap a = c.getAttributes();
            Node tag = a == null ? null : a.getNamedItem("MarkerTag");
            if (tag == null || !"225".equals(tag.getNodeValue())
                    || !(((javax.imageio.metadata.IIOMetadataNode) c).getUserObject() instanceof byte[] b)) {
                continue;
            }
            int o = orientationFromExif(b);
            if (o > 0) {
                return o;
            }
        }
        return 1;
    }

    /** Reads tag 0x0112 from IFD0 of an APP1 "Exif\0\0" payload; 0 when absent or malformed. */
    static int orientationFromExif(byte[] b) {
        if (b.length < 14 || b[0] != 'E' || b[1] != 'x' || b[2] != 'i' || b[3] != 'f') {
            return 0;
        }
        int base = 6;
        boolean little = b[base] == 'I' && b[base + 1] == 'I';
        if (!little && !(b[base] == 'M' && b[base + 1] == 'M')) {
            return 0;
        }
        long ifd = u32(b, base + 4, little);
        int p = (int) (base + ifd);
        if (ifd < 8 || p + 2 > b.length) {
            return 0;
        }
        int n = u16(b, p, little);
        for (int i = 0; i < n; i++) {
            int e = p + 2 + 12 * i;
            if (e + 12 > b.length) {
                return 0;
            }
            if (u16(b, e, little) == 0x0112) {
                int v = u16(b, e + 8, little);
                return v >= 1 && v <= 8 ? v : 0;
            }
        }
        return 0;
    }

    private static int u16(byte[] b, int i, boolean little) {
        int a = b[i] & 0xFF;
        int c = b[i + 1] & 0xFF;
        return little ? a | c << 8 : a << 8 | c;
    }

    private static long u32(byte[] b, int i, boolean little) {
        long lo = u16(b, little ? i : i + 2, little);
        long hi = u16(b, little ? i + 2 : i, little);
        return hi << 16 | lo;
    }

    /** Applies an EXIF orientation as PIL's {@code ImageOps.exif_transpose}; 1 (or unknown) returns the image. */
    static BufferedImage orient(BufferedImage src, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return src;
        }
        int w = src.getWidth();
        int h = src.getHeight();
        boolean swap = orientation >= 5;
        int dw = swap ? h : w;
        int dh = swap ? w : h;
        ColorModel cm = src.getColorModel();
        WritableRaster dst = cm.createCompatibleWritableRaster(dw, dh);
        Raster s = src.getRaster();
        Object px = null;
        for (int y = 0; y < dh; y++) {
            for (int x = 0; x < dw; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2: sx = w - 1 - x; sy = y; break;
                    case 3: sx = w - 1 - x; sy = h - 1 - y; break;
                    case 4: sx = x; sy = h - 1 - y; break;
                    case 5: sx = y; sy = x; break;
                    case 6: sx = y; sy = h - 1 - x; break;
                    case 7: sx = w - 1 - y; sy = h - 1 - x; break;
                    default: sx = w - 1 - y; sy = x; break; // 8
                }
                px = s.getDataElements(sx, sy, px);
                dst.setDataElements(x, y, px);
            }
        }
        return new BufferedImage(cm, dst, cm.isAlphaPremultiplied(), null);
    }

    private static Node find(Node n, String name) {
        if (name.equals(n.getNodeName())) {
            return n;
        }
        for (Node c = n.getFirstChild(); c != null; c = c.getNextSibling()) {
            Node f = find(c, name);
            if (f != null) {
                return f;
            }
        }
        return null;
    }
}
