/**
 * The training loop ({@link labkit.train.Fit}) on DJL's {@code Trainer}: exact resume from checkpoints, history as
 * a Tablesaw table, learning-rate schedules, optimizers with saved state, metrics (accuracy, SSIM). Knows datasets
 * only as DJL {@code Dataset}s.
 */
package labkit.train;
