/**
 * Pixels: OpenCV {@code Mat} / {@code BufferedImage} / {@code NDArray} conversion, image files, YCbCr, colormaps,
 * bilinear and bicubic resampling. The bottom of the data side; imports no other labkit package.
 */
package labkit.image;
