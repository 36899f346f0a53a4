/**
 * Measuring on this machine: {@link labkit.bench.Hardware} (CPU model, instruction sets, engine threads), {@link
 * labkit.bench.Latency} (interleaved, memory-flat forward-pass timing) and {@link labkit.bench.Quantiles} (median,
 * percentiles). Benchmark commands and the compression tables time through it.
 */
package labkit.bench;
