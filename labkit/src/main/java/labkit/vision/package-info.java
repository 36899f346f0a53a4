/**
 * Video and faces: OpenCV/FFmpeg frame reading, face detection and face-crop sequences for Task 2's VideoNet.
 */
package labkit.vision;
