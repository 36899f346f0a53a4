package labkit.compress;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.evaluator.Accuracy;
import ai.djl.training.loss.Loss;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import labkit.models.StudentNet;
import labkit.models.Task1Cnn;
import labkit.train.Adam;
import labkit.train.Checkpoints;
import labkit.train.Fit;
import labkit.train.History;
import org.junit.jupiter.api.Test;

class DistillationTest {
    static JsonObject kd() throws Exception {
        try (var r = new InputStreamReader(DistillationTest.class.getResourceAsStream("/fixtures/compress/compress.json"),
                StandardCharsets.UTF_8)) {
            return JsonParser.parseReader(r).getAsJsonObject().getAsJsonObject("kd");
        }
    }

    static NDArray matrix(NDManager m, JsonArray rows) {
        int n = rows.size();
        int c = rows.get(0).getAsJsonArray().size();
        float[] x = new float[n * c];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < c; j++) {
                x[i * c + j] = rows.get(i).getAsJsonArray().get(j).getAsFloat();
            }
        }
        return m.create(x, new Shape(n, c));
    }

    @Test
    void lossMatchesPyTorchKlDivBatchmeanAndTheHomeworksMix() throws Exception {
        JsonObject f = kd();
        try (NDManager m = NDManager.newBaseManager()) {
            NDArray s = matrix(m, f.getAsJsonArray("student"));
            NDArray t = matrix(m, f.getAsJsonArray("teacher"));
            JsonArray yl = f.getAsJsonArray("labels");
            float[] y = new float[yl.size()];
            for (int i = 0; i < y.length; i++) {
                y[i] = yl.get(i).getAsFloat();
            }
            double temp = f.get("temperature").getAsDouble();
            double alpha = f.get("alpha").getAsDouble();
            assertEquals(f.get("kl_batchmean").getAsDouble(), DistillationLoss.klDivergence(s, t, temp).getFloat(), 1e-5);
            DistillationLoss loss = new DistillationLoss(temp, alpha);
            float got = loss.evaluate(new NDList(m.create(y)), new NDList(s, t)).getFloat();
            assertEquals(f.get("loss").getAsDouble(), got, 1e-4);
            // alpha 0 is plain cross-entropy
            float ce = new DistillationLoss(temp, 0).evaluate(new NDList(m.create(y)), new NDList(s, t)).getFloat();
            assertEquals(f.get("cross_entropy").getAsDouble(), ce, 1e-5);
        }
    }

    @Test
    void badTemperatureOrAlphaIsNamed() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(0, 0.5)).getMessage()
                .contains("temperature"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new DistillationLoss(2, 1.5)).getMessage()
                .contains("alpha"));
    }

    @Test
    void distillerTrainsTheStudentAndLeavesTheTeacherAlone() {
        try (NDManager data = NDManager.newBaseManager();
                Model teacher = Model.newInstance("teacher")) {
            ArrayDataset train = TinyData.make(data, 32, 16, 1);
            teacher.setBlock(Task1Cnn.create(4, 16, 4));
            try (Fit fit = Fit.builder(teacher, Loss.softmaxCrossEntropyLoss()).optimizer(Adam.of(3e-3)).epochs(1)
                    .batchSize(8).progress(null).build()) {
                fit.fit(train);
            }
            Map<String, float[]> before = new LinkedHashMap<>();
            Checkpoints.weights(teacher.getBlock()).forEach((k, v) -> before.put(k, v.toFloatArray()));
            try (Distiller kd = Distiller.builder(teacher.getBlock(), new StudentNet(2, 1, 4)).temperature(3).alpha(0.5)
                    .build();
                    Fit fit = kd.fitBuilder().optimizer(Adam.of(3e-3)).epochs(2).batchSize(8).metric(new Accuracy())
                            .progress(null).build()) {
                History h = fit.fit(train, train);
                assertEquals(2, h.size());
                assertTrue(h.columns().contains("val_accuracy"));
                assertTrue(Double.isFinite(h.last("train_loss")));
                Checkpoints.weights(teacher.getBlock()).forEach((k, v) ->
                        assertArrayEquals(before.get(k), v.toFloatArray(), 0f, "teacher weight " + k + " moved"));
                // the student alone gives 4 logits per image after training
                float[] y = TinyData.forward(kd.student(), data, TinyData.input(data, 3, 16, 5));
                assertEquals(12, y.length);
            }
        }
    }
}
