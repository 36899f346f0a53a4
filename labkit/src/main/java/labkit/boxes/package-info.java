/**
 * Bounding boxes in image coordinates: ground-truth {@link labkit.boxes.BoxAnnotation}s and scored
 * {@link labkit.boxes.Detection}s. Plain records with no labkit dependency, so datasets (which read annotation
 * files), detectors (which produce detections) and the COCO evaluator in {@code labkit.train} share them without
 * the model side importing {@code labkit.data}.
 */
package labkit.boxes;
