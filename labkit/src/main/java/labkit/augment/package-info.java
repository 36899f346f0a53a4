/**
 * Image transforms as DJL {@code Transform}s in torchvision's names and numbers: colour jitter, flips, rotation,
 * perspective, normalisation, composed pipelines that reseed from one seed. Data side: imports {@code image} only,
 * never a network package.
 */
package labkit.augment;
