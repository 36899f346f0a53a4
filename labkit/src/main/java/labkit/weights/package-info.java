/**
 * PyTorch {@code .pth} state dicts read without Python (an allow-listed unpickler), mapped by name into labkit
 * models; pretrained torchvision weights through {@code labkit.io.Downloads}.
 */
package labkit.weights;
