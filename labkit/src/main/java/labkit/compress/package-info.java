/**
 * Model compression beyond quantization: magnitude and channel pruning, weight clustering and knowledge
 * distillation, each as a function over a labkit block tree.
 */
package labkit.compress;
