package labkit.augment;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

class PadGrayscaleTest {
    @Test
    void padSurroundsTheImageWithTheFillValue() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray x = m.create(ByteBuffer.wrap(new byte[] {1, 2, 3, 4}), new Shape(2, 2, 1), DataType.UINT8);
            NDArray y = new Pad(1, 9).transform(x);
            assertEquals(new Shape(4, 4, 1), y.getShape());
            assertArrayEquals(new byte[] {9, 9, 9, 9, 9, 1, 2, 9, 9, 3, 4, 9, 9, 9, 9, 9}, y.toByteArray());
            assertThrows(IllegalArgumentException.class, () -> new Pad(-1));
        }
    }

    @Test
    void grayscaleCopiesOneChannelAndWeighsRgbLikeTorchvision() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray grey = m.create(ByteBuffer.wrap(new byte[] {7, (byte) 200}), new Shape(1, 2, 1), DataType.UINT8);
            assertArrayEquals(new byte[] {7, 7, 7, (byte) 200, (byte) 200, (byte) 200},
                    new Grayscale(3).transform(grey).toByteArray());
            NDArray rgb = m.create(ByteBuffer.wrap(new byte[] {(byte) 255, 0, 0, 10, 20, 30}), new Shape(1, 2, 3),
                    DataType.UINT8);
            // torchvision: (0.2989 r + 0.587 g + 0.114 b).to(uint8) truncates: 76.2 -> 76, 18.15 -> 18
            assertArrayEquals(new byte[] {76, 18}, new Grayscale(1).transform(rgb).toByteArray());
            assertThrows(IllegalArgumentException.class, () -> new Grayscale(2));
        }
    }
}
