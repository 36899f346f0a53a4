/**
 * Quantization as PyTorch's {@code torch.ao.quantization} does it, simulated on DJL: observers and qparams
 * ({@link labkit.quant.MinMaxObserver}, {@link labkit.quant.HistogramObserver}, {@link labkit.quant.QParams}),
 * quantize/fake-quantize ({@link labkit.quant.Quantizer}), BN folding ({@link labkit.quant.BnFusion}),
 * post-training quantization ({@link labkit.quant.Ptq}), quantization-aware training ({@link labkit.quant.Qat}),
 * cross-layer equalization ({@link labkit.quant.CrossLayerEqualization}) and model size
 * ({@link labkit.quant.QuantizedModelFile}, {@link labkit.quant.ModelSize}).
 *
 * <p>The course flow reads:
 * <pre>
 * Block model = MobileNetV2.builder().widthMult(0.35).numClasses(10).quantizable(true).build();
 * ... train or load weights ...
 * long fp32 = ModelSize.saveFloat(model, dir.resolve("fp32.params"));
 * Ptq ptq = Ptq.prepare(model, QConfig.fbgemm());
 * ptq.calibrate(calibrationDataset, 16);       // every image, in batches of 16
 * Block int8 = ptq.convert();
 * Table qparams = ptq.qparamsTable();
 * ModelSize size = ModelSize.of(fp32, QuantizedModelFile.save(ptq, dir.resolve("int8.lkq")));
 * </pre>
 * Numbers match PyTorch 1.13 (Debian's {@code python3-torch}) bit for bit for observers and quantize kernels; the
 * converted model also quantizes biases to int32 and requantizes average pools as torch's int8 kernels do, so with
 * torch's activation qparams a quantizable MobileNetV2 gives torch's qnnpack int8 outputs. The fixtures and their
 * generator live under {@code src/test}.
 */
package labkit.quant;
