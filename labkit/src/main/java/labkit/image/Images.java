package labkit.image;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * Image files and {@link BufferedImage}s to and from DJL {@link NDArray}s, in the layouts the course uses:
 * H×W×3 {@code uint8} RGB for images (what torchvision calls the PIL stage) and C×H×W {@code float32} in [0, 1]
 * for tensors (after {@code ToTensor}).
 */
public final class Images {
    private Images() {}

    /**
     * Converts an image to an H×W×3 {@code uint8} RGB array attached to {@code manager}, with the values PIL's
     * {@code convert("RGB")} gives (what torchvision's loader does): alpha is dropped (colours not premultiplied);
     * grey is copied into all three channels unchanged (no gamma conversion), 16-bit grey clipped to 255 (PIL's
     * mode I), 16-bit grey+alpha and 16-bit RGB reduced to their high byte; palette images take their palette
     * colours; RGB samples are taken as stored (an embedded ICC profile is ignored, as PIL does).
     */
    public static NDArray fromBufferedImage(BufferedImage image, NDManager manager) {
        require(image != null, "image is null");
        require(manager != null, "manager is null");
        int h = image.getHeight();
        int w = image.getWidth();
        byte[] rgb = new byte[h * w * 3];
        java.awt.image.ColorModel cm = image.getColorModel();
        java.awt.image.Raster raster = image.getRaster();
        int spaceType = cm.getColorSpace().getType();
        boolean component = cm instanceof java.awt.image.ComponentColorModel;
        int bits = raster.getSampleModel().getSampleSize(0);
        if (component && spaceType == java.awt.color.ColorSpace.TYPE_GRAY && (bits == 8 || bits == 16)) {
            // getRGB would push linear grey through a colour conversion: read the raster's samples directly
            int[] grey = raster.getSamples(0, 0, w, h, 0, (int[]) null);
            boolean highByte = bits == 16 && cm.hasAlpha(); // PIL: LA;16 keeps the high byte, I;16 is clipped
            for (int i = 0; i < grey.length; i++) {
                int g = bits == 8 ? grey[i] : highByte ? grey[i] >> 8 : Math.min(grey[i], 255);
                byte v = (byte) g;
                rgb[3 * i] = v;
                rgb[3 * i + 1] = v;
                rgb[3 * i + 2] = v;
            }
        } else if (component && spaceType == java.awt.color.ColorSpace.TYPE_RGB && (bits == 8 || bits == 16)
                && cm.getNumColorComponents() == 3) {
            int shift = bits - 8;
            for (int c = 0; c < 3; c++) {
                int[] v = raster.getSamples(0, 0, w, h, c, (int[]) null);
                for (int i = 0; i < v.length; i++) {
                    rgb[3 * i + c] = (byte) (v[i] >> shift);
                }
            }
        } else {
            int[] argb = image.getRGB(0, 0, w, h, null, 0, w);
            for (int i = 0; i < argb.length; i++) {
                int p = argb[i];
                rgb[3 * i] = (byte) (p >> 16);
                rgb[3 * i + 1] = (byte) (p >> 8);
                rgb[3 * i + 2] = (byte) p;
            }
        }
        return manager.create(ByteBuffer.wrap(rgb), new Shape(h, w, 3), DataType.UINT8);
    }

    /**
     * Converts an array to an 8-bit image ({@code TYPE_3BYTE_BGR} for colour, {@code TYPE_BYTE_GRAY} for one
     * channel). Which layout the array has is decided from its rank and type:
     * <ul>
     *   <li>rank 2: H×W grey, values in [0, 255];</li>
     *   <li>rank 3, {@code uint8}: H×W×C with C = 1 or 3;</li>
     *   <li>rank 3, floating point, last dimension 1 or 3: H×W×C valued in [0, 255];</li>
     *   <li>rank 3, floating point, otherwise first dimension 1 or 3: a C×H×W tensor in [0, 1] (as made by
     *       {@code ToTensor}); so an ambiguous 3×W×3 float array counts as H×W×C: call
     *       {@link #fromTensor(NDArray)} to say it is a tensor.</li>
     * </ul>
     * Floating values are rounded and clamped to [0, 255].
     */
    public static BufferedImage toBufferedImage(NDArray image) {
        require(image != null, "image is null");
        Shape s = image.getShape();
        DataType t = image.getDataType();
        if (s.dimension() == 2) {
            return fromHwc(toFloats(image), (int) s.get(0), (int) s.get(1), 1, 1f);
        }
        if (s.dimension() == 3) {
            long c = s.get(2);
            if (t == DataType.UINT8 || (t.isFloating() && (c == 1 || c == 3))) {
                require(c == 1 || c == 3, "image: H×W×C needs C = 1 or 3, got shape " + s);
                return fromHwc(toFloats(image), (int) s.get(0), (int) s.get(1), (int) c, 1f);
            }
            if (t.isFloating() && (s.get(0) == 1 || s.get(0) == 3)) {
                return fromTensor(image);
            }
        }
        throw new IllegalArgumentException("image: expected H×W, H×W×C (C = 1 or 3, uint8 or float in [0, 255]) "
                + "or a C×H×W float tensor in [0, 1], got " + t + " shape " + s);
    }

    /** Converts a C×H×W tensor in [0, 1] (C = 1 or 3, as made by {@code ToTensor}) to an 8-bit image. */
    public static BufferedImage fromTensor(NDArray chw) {
        return fromTensor(chw, null, null);
    }

    /**
     * Converts a normalized C×H×W tensor back to an 8-bit image, undoing {@code Normalize(mean, std)}:
     * {@code pixel = 255 * (x * std[c] + mean[c])}, rounded and clamped. {@code mean} and {@code std} have one
     * entry per channel (or are both null for an unnormalized tensor).
     */
    public static BufferedImage fromTensor(NDArray chw, float[] mean, float[] std) {
        require(chw != null, "chw is null");
        Shape s = chw.getShape();
        require(s.dimension() == 3 && (s.get(0) == 1 || s.get(0) == 3),
                "chw: expected a C×H×W tensor with C = 1 or 3, got shape " + s
                        + " (an H×W×C image goes to toBufferedImage)");
        int c = (int) s.get(0);
        int h = (int) s.get(1);
        int w = (int) s.get(2);
        require((mean == null) == (std == null), "mean and std: give both or neither");
        if (mean != null) {
            require(mean.length == c && std.length == c, "mean/std: need " + c + " values each (one per channel), got "
                    + mean.length + " and " + std.length);
        }
        float[] x = toFloats(chw);
        float[] hwc = new float[x.length];
        int plane = h * w;
        for (int ch = 0; ch < c; ch++) {
            float m = mean == null ? 0f : mean[ch];
            float sd = std == null ? 1f : std[ch];
            for (int i = 0; i < plane; i++) {
                hwc[i * c + ch] = x[ch * plane + i] * sd + m;
            }
        }
        return fromHwc(hwc, h, w, c, 255f);
    }

    /**
     * Reads a PNG, JPEG, BMP or GIF file into an H×W×3 {@code uint8} RGB array attached to {@code manager}.
     *
     * @throws NoSuchFileException if the file does not exist (the message names the path)
     * @throws IOException if the file is a folder, cannot be read, or is not an image ImageIO can decode
     */
    public static NDArray read(Path path, NDManager manager) throws IOException {
        return fromBufferedImage(readBufferedImage(path), manager);
    }

    /**
     * Reads an image file as PIL opens it for torchvision: a truncated or damaged file is an error naming it (not
     * an image with a grey part), a CMYK or YCCK JPEG is converted to RGB with PIL's formula, and a JPEG's EXIF
     * orientation is applied as {@code ImageOps.exif_transpose} does (torchvision's default loader leaves it, so
     * a phone photo would lie on its side there). Same errors as {@link #read(Path, NDManager)}.
     */
    public static BufferedImage readBufferedImage(Path path) throws IOException {
        require(path != null, "path is null");
        Path abs = path.toAbsolutePath();
        if (!Files.exists(path)) {
            throw new NoSuchFileException(abs.toString(), null,
                    "image file not found; check the path (relative paths start at " + Path.of("").toAbsolutePath() + ")");
        }
        if (Files.isDirectory(path)) {
            throw new IOException(abs + " is a folder; expected an image file (PNG, JPEG, BMP, GIF)");
        }
        BufferedImage image;
        try {
            image = ImageDecoder.decode(path);
        } catch (IOException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new IOException("cannot read image " + abs + ": " + e.getMessage(), e);
        }
        if (image == null) {
            throw new IOException("cannot decode " + abs + ": not an image format ImageIO knows (PNG, JPEG, BMP, GIF); "
                    + "is the file truncated or in another format (e.g. WebP, TIFF)?");
        }
        return image;
    }

    /**
     * Writes an image as PNG ({@code .png}) or JPEG ({@code .jpg}, {@code .jpeg}), chosen by the extension;
     * creates missing parent folders. JPEG drops alpha.
     */
    public static void write(BufferedImage image, Path path) throws IOException {
        require(image != null, "image is null");
        require(path != null, "path is null");
        String format = formatOf(path);
        BufferedImage out = image;
        if (format.equals("jpg") && image.getColorModel().hasAlpha()) {
            out = new BufferedImage(image.getWidth(), image.getHeight(), BufferedImage.TYPE_3BYTE_BGR);
            out.getGraphics().drawImage(image, 0, 0, null);
        }
        Path parent = path.toAbsolutePath().getParent();
        if (parent != null) {
            Files.createDirectories(parent);
        }
        if (!ImageIO.write(out, format, path.toFile())) {
            throw new IOException("no ImageIO writer for format " + format + " (writing " + path.toAbsolutePath() + ")");
        }
    }

    /** Writes an array (any layout {@link #toBufferedImage(NDArray)} accepts) as PNG or JPEG by extension. */
    public static void write(NDArray image, Path path) throws IOException {
        write(toBufferedImage(image), path);
    }

    private static String formatOf(Path path) {
        String name = path.getFileName() == null ? "" : path.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".png")) {
            return "png";
        }
        if (name.endsWith(".jpg") || name.endsWith(".jpeg")) {
            return "jpg";
        }
        throw new IllegalArgumentException("path: cannot tell the image format of " + path.toAbsolutePath()
                + "; end the file name with .png or .jpg/.jpeg");
    }

    /** H×W×C floats (already scaled by {@code scale} to [0, 255]) to an 8-bit image. */
    private static BufferedImage fromHwc(float[] x, int h, int w, int c, float scale) {
        if (c == 1) {
            BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
            byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
            for (int i = 0; i < dst.length; i++) {
                dst[i] = toByte(x[i] * scale);
            }
            return img;
        }
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < h * w; i++) {
            dst[3 * i] = toByte(x[3 * i + 2] * scale);
            dst[3 * i + 1] = toByte(x[3 * i + 1] * scale);
            dst[3 * i + 2] = toByte(x[3 * i] * scale);
        }
        return img;
    }

    private static byte toByte(float v) {
        float r = Math.round(v);
        return (byte) (int) Math.max(0f, Math.min(255f, r));
    }

    /** The array's values as floats (uint8 read as 0..255), in row-major order. */
    static float[] toFloats(NDArray x) {
        DataType t = x.getDataType();
        if (t == DataType.UINT8) {
            byte[] b = x.toByteArray();
            float[] f = new float[b.length];
            for (int i = 0; i < b.length; i++) {
                f[i] = b[i] & 0xFF;
            }
            return f;
        }
        if (t == DataType.FLOAT32) {
            return x.toFloatArray();
        }
        require(t.isFloating() || t.isInteger(), "image: expected a numeric array, got " + t);
        try (NDArray f = x.toType(DataType.FLOAT32, false)) {
            return f.toFloatArray();
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
