/**
 * Offline generators for the course datasets (shapes, segmentation scenes, depth scenes), so every notebook and
 * test runs without a download; same seed, same files.
 */
package labkit.data.synthetic;
