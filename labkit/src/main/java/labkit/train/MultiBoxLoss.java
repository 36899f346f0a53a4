package labkit.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.loss.Loss;

/**
 * SSD's MultiBox loss (Liu et al. 2016): cross-entropy over anchor classes (0 = background) with hard-negative
 * mining — per image, only the {@code negPosRatio ×} positives background anchors with the highest loss count —
 * plus smooth-L1 (β = 1) on the box offsets of positive anchors, both divided by the number of positives.
 * Labels: {@code [classTargets N×A, boxTargets N×A×4]}; predictions: {@code [logits N×A×(C+1), offsets N×A×4]}.
 */
public final class MultiBoxLoss extends Loss {
    private final double negPosRatio;

    /** Hard-negative ratio 3 as in SSD. */
    public MultiBoxLoss() {
        this(3);
    }

    public MultiBoxLoss(double negPosRatio) {
        super("MultiBoxLoss");
        if (!(negPosRatio > 0)) {
            throw new IllegalArgumentException("negPosRatio must be > 0, got " + negPosRatio);
        }
        this.negPosRatio = negPosRatio;
    }

    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        if (labels.size() != 2 || predictions.size() != 2) {
            throw new IllegalArgumentException("MultiBoxLoss needs labels [classes, boxes] and predictions "
                    + "[logits, offsets], got " + labels.size() + " and " + predictions.size() + " arrays");
        }
        NDArray cls = labels.get(0).toType(DataType.FLOAT32, false);
        NDArray boxT = labels.get(1);
        NDArray logits = predictions.get(0);
        NDArray offsets = predictions.get(1);
        long k = logits.getShape().get(2);
        NDArray logp = logits.logSoftmax(2);
        NDArray oneHot = cls.toType(DataType.INT32, false).oneHot((int) k);
        NDArray ce = logp.mul(oneHot).sum(new int[] {2}).neg(); // N×A
        NDArray pos = cls.gt(0).toType(DataType.FLOAT32, false);
        NDArray numPos = pos.sum(new int[] {1}, true); // N×1
        NDArray negLoss = ce.stopGradient().mul(pos.neg().add(1)).sub(pos); // positives ranked last
        NDArray rank = negLoss.argSort(1, false).argSort(1, true).toType(DataType.FLOAT32, false);
        NDArray neg = rank.lt(numPos.mul(negPosRatio)).toType(DataType.FLOAT32, false).mul(pos.neg().add(1));
        NDArray totalPos = pos.sum().maximum(1f);
        NDArray clsLoss = ce.mul(pos.add(neg)).sum();
        NDArray d = offsets.sub(boxT).abs();
        NDArray q = d.minimum(1f);
        NDArray smooth = q.square().mul(0.5).add(d.sub(q)).sum(new int[] {2});
        NDArray boxLoss = smooth.mul(pos).sum();
        return clsLoss.add(boxLoss).div(totalPos);
    }
}
