package labkit.augment;

import org.opencv.imgproc.Imgproc;

/** How warps sample between pixels; mirrors torchvision's {@code InterpolationMode}. */
public enum Interpolation {
    /** Nearest neighbour: values are copied, never mixed (exact for 90° rotations). */
    NEAREST(Imgproc.INTER_NEAREST),
    /** Bilinear: a weighted mean of the four nearest pixels. */
    BILINEAR(Imgproc.INTER_LINEAR);

    final int cvFlag;

    Interpolation(int cvFlag) {
        this.cvFlag = cvFlag;
    }
}
