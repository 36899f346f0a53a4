package labkit.data;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The classes of a segmentation set and the RGB colour each has in the mask images (class i ↔ colour i), as in
 * Pascal VOC or Cityscapes colour masks. Converts colour masks to class-index maps (failing on colours it does
 * not know, naming the file) and class maps back to colour pictures.
 */
public record Palette(List<String> names, List<int[]> colours) {

    public Palette {
        if (names.size() != colours.size() || names.isEmpty()) {
            throw new IllegalArgumentException("Palette: need one colour per class name, got " + names.size()
                    + " names and " + colours.size() + " colours");
        }
        names = List.copyOf(names);
        colours = List.copyOf(colours);
    }

    /** {@code n} classes whose masks store the class index as a grey level (colour (i, i, i)). */
    public static Palette grayscale(int n) {
        List<String> names = new ArrayList<>();
        List<int[]> cols = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            names.add("class" + i);
            cols.add(new int[] {i, i, i});
        }
        return new Palette(names, cols);
    }

    /** Number of classes C. */
    public int size() {
        return names.size();
    }

    /**
     * Maps an H×W×3 uint8 colour mask to an H×W uint8 class-index map; {@code source} (the mask file) is named in
     * the error when a pixel has a colour that is not in the palette.
     */
    public NDArray toClassMap(NDArray rgbMask, Object source) {
        if (rgbMask.getShape().dimension() != 3 || rgbMask.getShape().get(2) != 3) {
            throw new IllegalArgumentException("mask " + source + ": expected H×W×3, got " + rgbMask.getShape());
        }
        Map<Integer, Integer> index = new HashMap<>();
        for (int i = 0; i < colours.size(); i++) {
            int[] c = colours.get(i);
            index.put((c[0] << 16) | (c[1] << 8) | c[2], i);
        }
        byte[] b = rgbMask.toType(DataType.UINT8, false).toByteArray();
        int w = (int) rgbMask.getShape().get(1);
        byte[] out = new byte[b.length / 3];
        for (int p = 0; p < out.length; p++) {
            int key = ((b[3 * p] & 0xff) << 16) | ((b[3 * p + 1] & 0xff) << 8) | (b[3 * p + 2] & 0xff);
            Integer cls = index.get(key);
            if (cls == null) {
                throw new IllegalArgumentException(String.format("mask %s: pixel (x=%d, y=%d) has colour (%d, %d, %d),"
                        + " which is not one of the %d palette colours %s; fix the mask or add the colour to the palette",
                        source, p % w, p / w, key >> 16, (key >> 8) & 0xff, key & 0xff, colours.size(), describe()));
            }
            out[p] = (byte) (int) cls;
        }
        NDManager m = rgbMask.getManager();
        return m.create(ByteBuffer.wrap(out), new ai.djl.ndarray.types.Shape(rgbMask.getShape().get(0), w), DataType.UINT8);
    }

    /** Colours an H×W class-index map (any integer type) as an H×W×3 uint8 picture. */
    public NDArray colorize(NDArray classMap) {
        int[] idx = classMap.toType(DataType.INT32, false).toIntArray();
        byte[] out = new byte[idx.length * 3];
        for (int p = 0; p < idx.length; p++) {
            int[] c = idx[p] >= 0 && idx[p] < colours.size() ? colours.get(idx[p]) : new int[] {255, 255, 255};
            out[3 * p] = (byte) c[0];
            out[3 * p + 1] = (byte) c[1];
            out[3 * p + 2] = (byte) c[2];
        }
        return classMap.getManager().create(ByteBuffer.wrap(out),
                new ai.djl.ndarray.types.Shape(classMap.getShape().get(0), classMap.getShape().get(1), 3), DataType.UINT8);
    }

    private String describe() {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < colours.size() && i < 8; i++) {
            int[] c = colours.get(i);
            sb.append(i == 0 ? "" : ", ").append(names.get(i)).append("=(").append(c[0]).append(",").append(c[1])
                    .append(",").append(c[2]).append(")");
        }
        return sb.append(colours.size() > 8 ? ", …]" : "]").toString();
    }
}
