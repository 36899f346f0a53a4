/**
 * ONNX export (float32 and QDQ int8) of labkit models, ONNX Runtime inference and the engine-comparison latency
 * tables.
 */
package labkit.export;
