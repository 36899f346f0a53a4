/**
 * How labkit's numeric tests compare numbers (the policy; the longer version with examples is {@code
 * docs/NUMERICS.md}).
 *
 * <p>PyTorch picks its CPU kernels at run time ({@code ATEN_CPU_CAPABILITY}: {@code default}, {@code avx2},
 * {@code avx512}); oneDNN picks its own blocking by batch size and CPU. The same float32 formula can therefore
 * give results that differ in the last bits from one machine, or one batch size, to the next. So:
 *
 * <ul>
 *   <li><b>Bit-exact</b> ({@code assertEquals} on floats, {@code QParams.equals}) only where the same arithmetic
 *       computes both sides on any CPU: a PyTorch-made fixture (observer inputs, qparams) against the same float32
 *       formula on the JVM; min/max of the same tensor; integer and shape results; a function against itself
 *       (same seed, same tensor).
 *   <li><b>Within a stated bound</b> where the two sides reach a value by different arithmetic: a hand-written
 *       loop against NDArray ops, batch 10 against batch 30, a fake-quantized model against its int8 conversion,
 *       DJL's convolution against torch's. The bound is in units the arithmetic gives: float32 ulps ({@link
 *       labkit.testing.Tolerance#assertUlps}) for a re-ordered sum, or quantization steps ({@link
 *       labkit.testing.Tolerance#assertSteps}) where one side rounds to a grid. The assertion message names the
 *       bound and why it holds, so a failure reads as "N ulps, bound M: reason".
 *   <li>No bound is widened to make a run pass without a reason in the message; a test that fails under one
 *       kernel set is a bug in the test or in labkit until the arithmetic says otherwise.
 * </ul>
 *
 * <p>CI runs the numerics packages under every {@code ATEN_CPU_CAPABILITY} the CPU supports ({@code .ci/run}).
 */
package labkit.testing;
