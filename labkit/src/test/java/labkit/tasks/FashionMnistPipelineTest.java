package labkit.tasks;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.Model;
import java.nio.file.Path;
import java.util.List;
import labkit.compress.MagnitudePruning;
import labkit.compress.WeightClustering;
import labkit.data.FashionMnist;
import labkit.models.StudentNet;
import labkit.models.Task1Cnn;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A real dataset through the Task 1 pipeline and the compression lecture's methods, so that a real-data
 * regression fails the build (on the generated shapes every method scores ~99% and nothing can be told apart).
 * Needs Debian's {@code dataset-fashion-mnist} (CI installs it); skipped, saying so, where it is absent.
 */
class FashionMnistPipelineTest {
    @Test
    void task1CnnLearnsFashionMnistAndCompressionMethodsSeparate() {
        Path folder = FashionMnist.locate().orElse(null);
        Assumptions.assumeTrue(folder != null, "Fashion-MNIST not installed: apt-get install dataset-fashion-mnist"
                + " (fills " + FashionMnist.DEBIAN_FOLDER + ") or set LABKIT_FASHION_MNIST; CI installs it");
        // 16,000 training images, 2 epochs; the first 2,000 test images
        Compression.Data data = new Compression.Data(Task1.fashionMnist(folder, true, 16000),
                Task1.fashionMnist(folder, false, 2000), FashionMnist.CLASSES);
        Compression.Settings s = new Compression.Settings(2, 1, 32, 1e-3, 0);
        try (Compression.Trained teacher = Compression.train("task1 cnn", Task1Cnn.create(10, 32), data, s, false)) {
            double base = Compression.accuracy(teacher.block(), data.validation());
            assertTrue(base >= 0.85, "Task 1 CNN after 2 epochs on 16k Fashion-MNIST images: test accuracy " + base
                    + " < 0.85");

            double pruned50 = pruned(teacher, data, 0.5);
            double pruned95 = pruned(teacher, data, 0.95);
            double k16 = clustered(teacher, data, 16);
            double k4 = clustered(teacher, data, 4);
            double k2 = clustered(teacher, data, 2);
            String table = String.format("baseline %.3f | magnitude pruning 50%% %.3f, 95%% %.3f (no fine-tuning) |"
                    + " clustering k=16 %.3f, k=4 %.3f, k=2 %.3f", base, pruned50, pruned95, k16, k4, k2);
            // pruning: half the weights are redundant, 95% without fine-tuning is not
            assertTrue(Math.abs(pruned50 - base) <= 0.02, "50% pruning should cost <= 0.02: " + table);
            assertTrue(pruned95 <= base - 0.1, "95% pruning without fine-tuning should cost >= 0.1: " + table);
            // clustering: 16 shared values per layer keep the accuracy, 4 lose some, 2 lose most
            assertTrue(Math.abs(k16 - base) <= 0.01, "k=16 clustering should cost <= 0.01: " + table);
            assertTrue(k2 < k4 && k4 < k16 + 0.005 && k2 <= base - 0.2, "clustering should degrade with fewer values: "
                    + table);

            // distillation: a 25k-parameter student (1 epoch, 8k images) learns from the teacher but stays below it
            Compression.Data small = new Compression.Data(Task1.fashionMnist(folder, true, 8000), data.validation(),
                    data.classes());
            Compression.Distillation kd = Compression.distillation(teacher, () -> new StudentNet(8, 0.5, 10), small,
                    new Compression.Settings(1, 1, 32, 2e-3, 0), 4, 0.7, false);
            List<Compression.Row> rows = kd.rows();
            assertEquals(1, rows.size());
            double student = rows.get(0).accuracy();
            assertTrue(student >= 0.6 && student <= base - 0.03, "distilled student " + student + " should learn (>= 0.6)"
                    + " and stay below the teacher " + base + " by >= 0.03 on Fashion-MNIST; " + table);
        }
    }

    private static double pruned(Compression.Trained t, Compression.Data data, double sparsity) {
        try (Model m = Compression.copy(t, () -> Task1Cnn.create(10, 32), "pruned")) {
            MagnitudePruning.global(m.getBlock(), sparsity);
            return Compression.accuracy(m.getBlock(), data.validation());
        }
    }

    private static double clustered(Compression.Trained t, Compression.Data data, int k) {
        try (Model m = Compression.copy(t, () -> Task1Cnn.create(10, 32), "clustered")) {
            WeightClustering.of(m.getBlock(), k);
            return Compression.accuracy(m.getBlock(), data.validation());
        }
    }
}
