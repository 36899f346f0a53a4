/**
 * Datasets as DJL {@code RandomAccessDataset}s: image folders, segmentation pairs, super-resolution pairs with
 * their degradation, face sequences, the NYU-Depth-v2 layout, CIFAR-10 and Imagenette (downloaded through {@code
 * labkit.io}). Data side: never imports a network package.
 */
package labkit.data;
