package labkit.models;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.ParameterStore;
import labkit.image.Bicubic;
import labkit.image.YCbCr;
import labkit.nn.BlockTree;
import labkit.nn.PixelShuffle;
import org.junit.jupiter.api.Test;

class SuperResolutionNetTest {

    @Test
    void yInputGivesThreeTimesLargerY() {
        try (NDManager m = NDManager.newBaseManager()) {
            SuperResolutionNet net = new SuperResolutionNet(3, 16, 1);
            net.initialize(m, DataType.FLOAT32, new Shape(1, 1, 16, 16));
            for (Shape in : new Shape[] {new Shape(2, 1, 16, 16), new Shape(1, 1, 8, 24)}) {
                NDArray y = net.forward(new ParameterStore(m, false), new NDList(m.randomUniform(0f, 1f, in)), false).head();
                Shape want = new Shape(in.get(0), 1, 3 * in.get(2), 3 * in.get(3));
                assertEquals(want, y.getShape());
                assertEquals(want, net.getOutputShapes(new Shape[] {in})[0]);
            }
            assertEquals(1, BlockTree.find(net, PixelShuffle.class).size());
            assertTrue(BlockTree.parameters(net).containsKey("encoder.layer4.1.conv2.weight"));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> net.getOutputShapes(new Shape[] {new Shape(1, 3, 16, 16)}));
            assertTrue(e.getMessage().contains("N×1×H×W"), e.getMessage());
        }
    }

    @Test
    void untrainedNetIsItsBicubicSkip() {
        try (NDManager m = NDManager.newBaseManager()) {
            SuperResolutionNet net = new SuperResolutionNet(3, 8, 1);
            Shape in = new Shape(1, 1, 8, 16);
            net.initialize(m, DataType.FLOAT32, in);
            NDArray x = m.randomUniform(0f, 1f, in);
            NDArray y = net.forward(new ParameterStore(m, false), new NDList(x), false).head();
            NDArray bicubic = labkit.nn.Upsample.resize(x, 24, 48, labkit.nn.Upsample.Mode.BICUBIC);
            assertEquals(0f, y.sub(bicubic).abs().max().getFloat(), 1e-6f);
            // re-initialising (as a Trainer does) keeps weights that are already there
            BlockTree.parameters(net).get("head.1.weight").getArray().addi(1f);
            net.initialize(m, DataType.FLOAT32, in);
            assertEquals(1f, BlockTree.parameters(net).get("head.1.weight").getArray().mean().getFloat(), 1e-6f);
        }
    }

    @Test
    void recombineKeepsColourAndPsnr() {
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray lr = m.randomUniform(0f, 255f, new Shape(8, 10, 3)).toType(DataType.UINT8, false);
            NDArray up = Bicubic.upsample(lr, 3);
            NDArray y = YCbCr.y(up.toType(DataType.FLOAT32, false).div(255f), -1);
            NDArray rgb = SuperResolutionNet.recombine(y, lr, 3);
            assertEquals(new Shape(24, 30, 3), rgb.getShape());
            // the bicubic image's own Y gives the bicubic image back (within rounding)
            assertTrue(rgb.toType(DataType.FLOAT32, false).sub(up.toType(DataType.FLOAT32, false)).abs().max().getFloat() <= 2f);
            assertEquals(20 * Math.log10(1 / 0.1), SuperResolutionNet.psnr(m.zeros(new Shape(4)), m.full(new Shape(4), 0.1f), 1), 1e-4);
        }
    }
}
