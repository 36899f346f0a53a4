/**
 * Whole networks built from {@code labkit.nn} blocks with torchvision's child names: the Task 1 CNN, VideoNet,
 * FFNet, the super-resolution net, MobileNetV2, EfficientNet-B0, ResNet, DepthNet, student nets.
 */
package labkit.models;
