package labkit.data.synthetic;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageOutputStream;

/**
 * A seeded synthetic stand-in for NYU Depth v2, written in the Kaggle {@code nyu_data} layout so that the real
 * loader ({@link labkit.data.NyuDepthV2}) reads it: ray-cast rooms (floor, walls, ceiling) holding boxes, spheres
 * and table-like slabs, lit by a ceiling point light with shadows, textured floors and walls, sensor noise, seen by
 * a pinhole camera with NYU's field of view (fx = 0.81·width). The true z-depth of every pixel is kept.
 *
 * <p>Files (paths in the CSVs are relative to {@code root}, no header, as in Kaggle):
 * <pre>
 * root/data/nyu2_train.csv                 data/nyu2_train/room_0000_out/0.jpg,data/nyu2_train/room_0000_out/0.png
 * root/data/nyu2_train/room_SSSS_out/F.jpg  RGB JPEG;  F.png  8-bit depth, value = round(255 · depth / 10 m)
 * root/data/nyu2_test.csv                  data/nyu2_test/00000_colors.png,data/nyu2_test/00000_depth.png
 * root/data/nyu2_test/NNNNN_colors.png     RGB PNG;   NNNNN_depth.png  16-bit depth in millimetres
 * </pre>
 * Same seed and options, same bytes. Training scenes have several frames from nearby camera positions, like the
 * NYU video sequences; test images are independent rooms.
 */
public final class DepthScenes {
    /** Full scale of the 8-bit training depth encoding (255 ↔ 10 m), as in the Kaggle set. */
    public static final float EIGHT_BIT_FULL_SCALE_M = 10f;

    private int trainScenes = 8;
    private int framesPerScene = 4;
    private int testImages = 8;
    private int width = 640;
    private int height = 480;
    private long seed = 0;
    private float jpegQuality = 0.92f;

    private DepthScenes() {}

    public static DepthScenes builder() {
        return new DepthScenes();
    }

    /** Number of training rooms (default 8). */
    public DepthScenes trainScenes(int n) { this.trainScenes = atLeast("trainScenes", n, 0); return this; }
    /** Frames per training room (default 4). */
    public DepthScenes framesPerScene(int n) { this.framesPerScene = atLeast("framesPerScene", n, 1); return this; }
    /** Number of test images (default 8). */
    public DepthScenes testImages(int n) { this.testImages = atLeast("testImages", n, 0); return this; }
    /** Image size (default 640×480, the Kaggle size). */
    public DepthScenes size(int w, int h) {
        this.width = atLeast("width", w, 16);
        this.height = atLeast("height", h, 16);
        return this;
    }
    public DepthScenes seed(long s) { this.seed = s; return this; }
    /** JPEG quality of the training RGB images, 0..1 (default 0.92). */
    public DepthScenes jpegQuality(float q) {
        if (!(q > 0f && q <= 1f)) {
            throw new IllegalArgumentException("jpegQuality must be in (0, 1], got " + q);
        }
        this.jpegQuality = q;
        return this;
    }

    private static int atLeast(String name, int v, int min) {
        if (v < min) {
            throw new IllegalArgumentException("DepthScenes." + name + " must be >= " + min + ", got " + v);
        }
        return v;
    }

    /** Writes the data set under {@code root} (creating folders; files of the same names are overwritten). */
    public Path write(Path root) {
        try {
            Path data = root.resolve("data");
            Files.createDirectories(data.resolve("nyu2_train"));
            Files.createDirectories(data.resolve("nyu2_test"));
            Random master = new Random(seed);
            List<String> train = new ArrayList<>();
            for (int s = 0; s < trainScenes; s++) {
                long sceneSeed = master.nextLong();
                Room room = Room.random(new Random(sceneSeed));
                String dir = String.format(Locale.ROOT, "data/nyu2_train/room_%04d_out", s);
                Files.createDirectories(root.resolve(dir));
                Random cams = new Random(sceneSeed ^ 0x5DEECE66DL);
                Camera base = Camera.random(cams, room);
                for (int f = 0; f < framesPerScene; f++) {
                    Camera cam = f == 0 ? base : base.jitter(cams, room);
                    Rendered r = render(room, cam, width, height, new Random(sceneSeed + 31L * (f + 1)));
                    String rgb = dir + "/" + f + ".jpg";
                    String depth = dir + "/" + f + ".png";
                    writeJpeg(r.rgbImage(), root.resolve(rgb), jpegQuality);
                    ImageIO.write(r.depth8(), "png", root.resolve(depth).toFile());
                    train.add(rgb + "," + depth);
                }
            }
            List<String> test = new ArrayList<>();
            for (int i = 0; i < testImages; i++) {
                long s = master.nextLong();
                Random rng = new Random(s);
                Room room = Room.random(rng);
                Camera cam = Camera.random(rng, room);
                Rendered r = render(room, cam, width, height, rng);
                String rgb = String.format(Locale.ROOT, "data/nyu2_test/%05d_colors.png", i);
                String depth = String.format(Locale.ROOT, "data/nyu2_test/%05d_depth.png", i);
                ImageIO.write(r.rgbImage(), "png", root.resolve(rgb).toFile());
                ImageIO.write(r.depth16(), "png", root.resolve(depth).toFile());
                test.add(rgb + "," + depth);
            }
            Files.write(data.resolve("nyu2_train.csv"), lines(train));
            Files.write(data.resolve("nyu2_test.csv"), lines(test));
            return root;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the synthetic depth set under " + root + ": " + e.getMessage(), e);
        }
    }

    private static byte[] lines(List<String> rows) {
        StringBuilder sb = new StringBuilder();
        for (String r : rows) {
            sb.append(r).append('\n');
        }
        return sb.toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static void writeJpeg(BufferedImage img, Path file, float quality) throws IOException {
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        try (ImageOutputStream out = ImageIO.createImageOutputStream(file.toFile())) {
            writer.setOutput(out);
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality(quality);
            writer.write(null, new IIOImage(img, null, null), p);
        } finally {
            writer.dispose();
        }
    }

    /** One rendered view: packed 0xRRGGBB colours and z-depth in metres, row-major. */
    public record Rendered(int width, int height, int[] rgb, float[] depth) {
        /** The colour image. */
        public BufferedImage rgbImage() {
            BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
            img.setRGB(0, 0, width, height, rgb, 0, width);
            return img;
        }

        /** Depth as the Kaggle training PNGs store it: 8-bit, 255 ↔ 10 m. */
        public BufferedImage depth8() {
            BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
            int[] v = new int[depth.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = Math.max(0, Math.min(255, Math.round(depth[i] / EIGHT_BIT_FULL_SCALE_M * 255f)));
            }
            img.getRaster().setSamples(0, 0, width, height, 0, v);
            return img;
        }

        /** Depth as the Kaggle test PNGs store it: 16-bit millimetres. */
        public BufferedImage depth16() {
            BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_USHORT_GRAY);
            int[] v = new int[depth.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = Math.max(0, Math.min(65535, Math.round(depth[i] * 1000f)));
            }
            img.getRaster().setSamples(0, 0, width, height, 0, v);
            return img;
        }
    }

    /** Renders one view of a random room (for previews and tests). */
    public static Rendered renderRandom(long seed, int width, int height) {
        Random rng = new Random(seed);
        Room room = Room.random(rng);
        return render(room, Camera.random(rng, room), width, height, rng);
    }

    // ---------------------------------------------------------------- scene description

    /** Surface kinds, each with its own texture. */
    private enum Kind { FLOOR, CEILING, WALL, BOX, SPHERE }

    private static final class Obj {
        Kind kind;
        double cx, cy, cz, hx, hy, hz, cos = 1, sin = 0, r;
        double[] color;
    }

    private static final class Room {
        double w, h, d;
        double[] floorA, floorB, wall, wall2, ceiling;
        double tile;
        boolean planks;
        double lx, ly, lz;
        List<Obj> objects = new ArrayList<>();

        static Room random(Random rng) {
            Room room = new Room();
            room.w = 3.0 + 3.0 * rng.nextDouble();
            room.h = 2.4 + 0.6 * rng.nextDouble();
            room.d = 4.0 + 5.0 * rng.nextDouble();
            room.floorA = color(rng, 0.25, 0.7);
            room.floorB = scale(room.floorA, 0.6 + 0.3 * rng.nextDouble());
            room.wall = color(rng, 0.45, 0.95);
            room.wall2 = scale(room.wall, 0.8 + 0.15 * rng.nextDouble());
            room.ceiling = new double[] {0.9, 0.9, 0.88};
            room.tile = 0.3 + 0.4 * rng.nextDouble();
            room.planks = rng.nextBoolean();
            room.lx = (rng.nextDouble() - 0.5) * room.w * 0.5;
            room.ly = room.h - 0.15;
            room.lz = room.d * (0.3 + 0.4 * rng.nextDouble());
            int boxes = 2 + rng.nextInt(4);
            for (int i = 0; i < boxes; i++) {
                Obj o = new Obj();
                o.kind = Kind.BOX;
                o.hx = 0.15 + 0.5 * rng.nextDouble();
                o.hz = 0.15 + 0.5 * rng.nextDouble();
                o.hy = 0.15 + 0.6 * rng.nextDouble();
                o.cx = (rng.nextDouble() - 0.5) * (room.w - 2 * o.hx - 0.2);
                o.cz = 1.5 + rng.nextDouble() * (room.d - 1.5 - o.hz - 0.1);
                o.cy = o.hy;
                double a = rng.nextDouble() * Math.PI / 2;
                o.cos = Math.cos(a);
                o.sin = Math.sin(a);
                o.color = color(rng, 0.15, 0.9);
                room.objects.add(o);
            }
            if (rng.nextBoolean()) { // a table-like slab
                Obj o = new Obj();
                o.kind = Kind.BOX;
                o.hx = 0.4 + 0.4 * rng.nextDouble();
                o.hz = 0.3 + 0.3 * rng.nextDouble();
                o.hy = 0.025;
                o.cx = (rng.nextDouble() - 0.5) * (room.w - 2 * o.hx - 0.2);
                o.cz = 1.8 + rng.nextDouble() * (room.d - 2.2);
                o.cy = 0.65 + 0.2 * rng.nextDouble();
                o.color = color(rng, 0.3, 0.8);
                room.objects.add(o);
            }
            int spheres = 1 + rng.nextInt(3);
            for (int i = 0; i < spheres; i++) {
                Obj o = new Obj();
                o.kind = Kind.SPHERE;
                o.r = 0.15 + 0.4 * rng.nextDouble();
                o.cx = (rng.nextDouble() - 0.5) * (room.w - 2 * o.r - 0.2);
                o.cz = 1.5 + rng.nextDouble() * (room.d - 1.5 - o.r - 0.1);
                o.cy = rng.nextDouble() < 0.6 ? o.r : o.r + 0.3 + rng.nextDouble() * (room.h - 2 * o.r - 0.6);
                o.color = color(rng, 0.15, 0.95);
                room.objects.add(o);
            }
            return room;
        }

        private static double[] color(Random rng, double lo, double hi) {
            return new double[] {lo + (hi - lo) * rng.nextDouble(), lo + (hi - lo) * rng.nextDouble(),
                lo + (hi - lo) * rng.nextDouble()};
        }

        private static double[] scale(double[] c, double f) {
            return new double[] {c[0] * f, c[1] * f, c[2] * f};
        }
    }

    private static final class Camera {
        double x, y, z, yaw, pitch;

        static Camera random(Random rng, Room room) {
            Camera c = new Camera();
            c.x = (rng.nextDouble() - 0.5) * room.w * 0.5;
            c.y = 1.1 + 0.6 * rng.nextDouble();
            c.z = 0.8 * rng.nextDouble();
            c.yaw = (rng.nextDouble() - 0.5) * 0.7;
            c.pitch = -0.25 + 0.35 * rng.nextDouble();
            return c;
        }

        Camera jitter(Random rng, Room room) {
            Camera c = new Camera();
            c.x = clamp(x + (rng.nextDouble() - 0.5) * 0.4, -room.w / 2 + 0.3, room.w / 2 - 0.3);
            c.y = clamp(y + (rng.nextDouble() - 0.5) * 0.2, 0.8, room.h - 0.3);
            c.z = clamp(z + (rng.nextDouble() - 0.5) * 0.4, 0, 1.2);
            c.yaw = yaw + (rng.nextDouble() - 0.5) * 0.2;
            c.pitch = pitch + (rng.nextDouble() - 0.5) * 0.1;
            return c;
        }
    }

    private static double clamp(double v, double lo, double hi) {
        return Math.max(lo, Math.min(hi, v));
    }

    // ---------------------------------------------------------------- ray casting

    /** Nearest hit along a ray: distance parameter t, surface normal, the object (null for the room shell). */
    private static final class Hit {
        double t = Double.POSITIVE_INFINITY;
        double nx, ny, nz;
        Obj obj;
        Kind kind;
    }

    static Rendered render(Room room, Camera cam, int w, int h, Random noise) {
        double f = 0.81 * w;
        double cyw = Math.cos(cam.yaw), syw = Math.sin(cam.yaw);
        double cp = Math.cos(cam.pitch), sp = Math.sin(cam.pitch);
        int[] rgb = new int[w * h];
        float[] depth = new float[w * h];
        Hit hit = new Hit();
        Hit shadow = new Hit();
        for (int v = 0; v < h; v++) {
            for (int u = 0; u < w; u++) {
                // camera ray with unit forward component: the hit parameter t is the z-depth
                double xc = (u + 0.5 - w / 2.0) / f;
                double yc = -(v + 0.5 - h / 2.0) / f;
                double y1 = yc * cp + sp;          // pitch about x
                double z1 = -yc * sp + cp;
                double dx = xc * cyw + z1 * syw;   // yaw about y
                double dz = -xc * syw + z1 * cyw;
                double dy = y1;
                trace(room, cam.x, cam.y, cam.z, dx, dy, dz, hit);
                double px = cam.x + hit.t * dx, py = cam.y + hit.t * dy, pz = cam.z + hit.t * dz;
                double[] base = texture(room, hit, px, py, pz);
                double lx = room.lx - px, ly = room.ly - py, lz = room.lz - pz;
                double dist = Math.sqrt(lx * lx + ly * ly + lz * lz);
                lx /= dist;
                ly /= dist;
                lz /= dist;
                double lambert = Math.max(0, hit.nx * lx + hit.ny * ly + hit.nz * lz);
                double eps = 1e-4;
                trace(room, px + hit.nx * eps, py + hit.ny * eps, pz + hit.nz * eps, lx, ly, lz, shadow);
                boolean shadowed = shadow.obj != null && shadow.t < dist;
                double light = 0.32 + (shadowed ? 0.15 : 1.0) * 0.95 * lambert / (1 + 0.04 * dist * dist);
                double spec = 0;
                if (!shadowed && hit.kind == Kind.SPHERE) {
                    double vx = -dx, vy = -dy, vz = -dz;
                    double vn = Math.sqrt(vx * vx + vy * vy + vz * vz);
                    double hx = lx + vx / vn, hy = ly + vy / vn, hz = lz + vz / vn;
                    double hn = Math.sqrt(hx * hx + hy * hy + hz * hz);
                    spec = 0.4 * Math.pow(Math.max(0, (hit.nx * hx + hit.ny * hy + hit.nz * hz) / hn), 40);
                }
                int packed = 0;
                for (int c = 0; c < 3; c++) {
                    double value = Math.pow(Math.max(0, base[c] * light + spec), 1 / 1.4) + noise.nextGaussian() * 0.012;
                    packed = (packed << 8) | (int) Math.round(clamp(value, 0, 1) * 255);
                }
                rgb[v * w + u] = packed;
                depth[v * w + u] = (float) hit.t;
            }
        }
        return new Rendered(w, h, rgb, depth);
    }

    private static void trace(Room room, double ox, double oy, double oz, double dx, double dy, double dz, Hit hit) {
        hit.t = Double.POSITIVE_INFINITY;
        hit.obj = null;
        // room shell: the exit face of the box [-w/2, w/2] × [0, h] × [-1.5, d]
        slabExit(ox, dx, -room.w / 2, room.w / 2, hit, 0, Kind.WALL);
        slabExit(oy, dy, 0, room.h, hit, 1, null);
        slabExit(oz, dz, -1.5, room.d, hit, 2, Kind.WALL);
        for (Obj o : room.objects) {
            if (o.kind == Kind.SPHERE) {
                sphere(o, ox, oy, oz, dx, dy, dz, hit);
            } else {
                box(o, ox, oy, oz, dx, dy, dz, hit);
            }
        }
    }

    private static void slabExit(double o, double d, double lo, double hi, Hit hit, int axis, Kind kind) {
        if (d == 0) {
            return;
        }
        double t = ((d > 0 ? hi : lo) - o) / d;
        if (t > 0 && t < hit.t) {
            hit.t = t;
            hit.obj = null;
            double n = d > 0 ? -1 : 1;
            hit.nx = axis == 0 ? n : 0;
            hit.ny = axis == 1 ? n : 0;
            hit.nz = axis == 2 ? n : 0;
            hit.kind = kind != null ? kind : (d > 0 ? Kind.CEILING : Kind.FLOOR);
        }
    }

    private static void sphere(Obj s, double ox, double oy, double oz, double dx, double dy, double dz, Hit hit) {
        double qx = ox - s.cx, qy = oy - s.cy, qz = oz - s.cz;
        double a = dx * dx + dy * dy + dz * dz;
        double b = 2 * (dx * qx + dy * qy + dz * qz);
        double c = qx * qx + qy * qy + qz * qz - s.r * s.r;
        double disc = b * b - 4 * a * c;
        if (disc < 0) {
            return;
        }
        double t = (-b - Math.sqrt(disc)) / (2 * a);
        if (t > 1e-6 && t < hit.t) {
            hit.t = t;
            hit.obj = s;
            hit.kind = Kind.SPHERE;
            hit.nx = (qx + t * dx) / s.r;
            hit.ny = (qy + t * dy) / s.r;
            hit.nz = (qz + t * dz) / s.r;
        }
    }

    private static void box(Obj b, double ox, double oy, double oz, double dx, double dy, double dz, Hit hit) {
        // into the box frame (rotation about y)
        double qx = ox - b.cx, qy = oy - b.cy, qz = oz - b.cz;
        double lox = b.cos * qx + b.sin * qz, loz = -b.sin * qx + b.cos * qz;
        double ldx = b.cos * dx + b.sin * dz, ldz = -b.sin * dx + b.cos * dz;
        double[] o = {lox, qy, loz};
        double[] d = {ldx, dy, ldz};
        double[] half = {b.hx, b.hy, b.hz};
        double tNear = Double.NEGATIVE_INFINITY, tFar = Double.POSITIVE_INFINITY;
        int axis = -1;
        double sign = 0;
        for (int k = 0; k < 3; k++) {
            if (Math.abs(d[k]) < 1e-12) {
                if (Math.abs(o[k]) > half[k]) {
                    return;
                }
                continue;
            }
            double t1 = (-half[k] - o[k]) / d[k];
            double t2 = (half[k] - o[k]) / d[k];
            double s = -1;
            if (t1 > t2) {
                double tmp = t1;
                t1 = t2;
                t2 = tmp;
                s = 1;
            }
            if (t1 > tNear) {
                tNear = t1;
                axis = k;
                sign = s;
            }
            tFar = Math.min(tFar, t2);
        }
        if (tNear > tFar || tNear <= 1e-6 || tNear >= hit.t || axis < 0) {
            return;
        }
        double[] n = {0, 0, 0};
        n[axis] = sign;
        hit.t = tNear;
        hit.obj = b;
        hit.kind = Kind.BOX;
        hit.nx = b.cos * n[0] - b.sin * n[2];
        hit.ny = n[1];
        hit.nz = b.sin * n[0] + b.cos * n[2];
    }

    private static double[] texture(Room room, Hit hit, double x, double y, double z) {
        switch (hit.kind) {
            case FLOOR: {
                if (room.planks) {
                    double plank = Math.floor(x / (room.tile * 0.5));
                    double grain = 0.9 + 0.1 * Math.sin(z * 23 + plank * 7.1) + 0.08 * Math.sin(plank * 12.9898);
                    return mul(room.floorA, grain);
                }
                boolean odd = (((long) Math.floor(x / room.tile) + (long) Math.floor(z / room.tile)) & 1) == 1;
                return odd ? room.floorB : room.floorA;
            }
            case CEILING:
                return room.ceiling;
            case WALL: {
                double along = Math.abs(hit.nx) > 0.5 ? z : x;
                double stripe = Math.sin(along * 2 * Math.PI / 0.25) > 0.6 ? 1 : 0;
                double[] c = stripe > 0 ? room.wall2 : room.wall;
                // a darker skirting board
                return y < 0.1 ? mul(c, 0.6) : c;
            }
            case BOX: {
                double shade = 0.95 + 0.05 * Math.sin(31 * (x + y + z));
                return mul(hit.obj.color, shade);
            }
            case SPHERE:
            default:
                return hit.obj != null ? hit.obj.color : room.wall;
        }
    }

    private static double[] mul(double[] c, double f) {
        return new double[] {c[0] * f, c[1] * f, c[2] * f};
    }
}
