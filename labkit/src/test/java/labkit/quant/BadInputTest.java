package labkit.quant;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import labkit.nn.BlockTree;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issue 25: non-finite inputs, wrong axes and damaged quantized-model files are refused by name, nothing changed. */
class BadInputTest {

    static List<Supplier<Observer>> observers() {
        return List.of(() -> MinMaxObserver.builder().build(),
                () -> MovingAverageMinMaxObserver.builder().build(),
                () -> PerChannelMinMaxObserver.builder().build(),
                () -> MovingAveragePerChannelMinMaxObserver.builder().build(),
                () -> HistogramObserver.builder().build());
    }

    @Test
    void nonFiniteValuesAreRefusedNamingTheLayerAndTheEarlierRangeIsKept() {
        try (NDManager m = NDManager.newBaseManager()) {
            for (float bad : new float[] {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN}) {
                for (Supplier<Observer> make : observers()) {
                    Observer o = make.get().layer("features.3.conv");
                    NDArray good = m.create(new float[] {-1f, 0.5f, 2f, 3f}, new Shape(2, 2));
                    o.observe(good);
                    QParams before = o.calculateQParams();
                    NDArray withBad = m.create(new float[] {0f, bad, 1f, 2f}, new Shape(2, 2));
                    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> o.observe(withBad),
                            o.getClass().getSimpleName() + " with " + bad);
                    assertTrue(e.getMessage().contains("features.3.conv") && e.getMessage().contains("non-finite"),
                            e.getMessage());
                    assertEquals(before, o.calculateQParams(), o + ": the refused batch left no trace");
                    assertTrue(Float.isFinite(before.scale()[0]), "finite scale " + before);
                }
            }
        }
    }

    @Test
    void infInAPtqCalibrationBatchNamesTheLayer() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block model = TestModels.convStack(m, 3);
            Ptq ptq = Ptq.prepare(model, QConfig.fbgemm());
            NDArray x = m.randomNormal(new Shape(2, 3, 16, 16));
            ptq.calibrate(x);
            float[] v = x.toFloatArray();
            v[7] = Float.POSITIVE_INFINITY;
            NDArray bad = m.create(v, x.getShape());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ptq.calibrate(bad));
            assertTrue(e.getMessage().contains("layer 'quant'"), e.getMessage());
            // the observers still hold the good batch's ranges; convert works and gives finite scales
            Block q = ptq.convert();
            ptq.activationQParams().forEach((k, qp) -> assertTrue(Float.isFinite(qp.scale()[0]), k + " " + qp));
            assertNotNull(q);
        }
    }

    @Test
    void aWeightObserverOnTheWrongAxisIsNamedWhenPrepared() {
        try (NDManager m = NDManager.newBaseManager()) {
            Block model = TestModels.convStack(m, 3);
            QConfig wrong = new QConfig("wrong axis", QConfig.fbgemm().activation(),
                    () -> PerChannelMinMaxObserver.builder().dtype(QuantDType.QINT8)
                            .qscheme(QScheme.PER_CHANNEL_SYMMETRIC).chAxis(1).build());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Ptq.prepare(model, wrong));
            assertTrue(e.getMessage().contains("chAxis 1") && e.getMessage().contains("'1.0.0'"), e.getMessage());
        }
    }

    @Test
    void wrongAxesElsewhereAreIllegalArguments() {
        try (NDManager m = NDManager.newBaseManager()) {
            PerChannelMinMaxObserver o = PerChannelMinMaxObserver.builder().chAxis(3).build();
            o.layer("fc");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> o.observe(m.ones(new Shape(4, 2))));
            assertTrue(e.getMessage().contains("chAxis 3") && e.getMessage().contains("'fc'"), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> new QParams(new float[] {1f}, new int[] {0}, -2,
                    QScheme.PER_CHANNEL_AFFINE, QuantDType.QUINT8, 0, 255));
            assertTrue(e.getMessage().contains("axis"), e.getMessage());
            QParams perChannel = new QParams(new float[] {1f, 1f}, new int[] {0, 0}, 2, QScheme.PER_CHANNEL_AFFINE,
                    QuantDType.QUINT8, 0, 255);
            e = assertThrows(IllegalArgumentException.class, () -> Quantizer.fakeQuantize(m.ones(new Shape(2, 2)),
                    perChannel, false));
            assertTrue(e.getMessage().contains("axis 2"), e.getMessage());
        }
    }

    @Test
    void aTruncatedQuantizedModelFileChangesNoWeight(@TempDir Path dir) throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Ptq ptq = Ptq.prepare(TestModels.convStack(m, 3), QConfig.fbgemm());
            ptq.calibrate(m.randomNormal(new Shape(2, 3, 16, 16)));
            ptq.convert();
            Path file = dir.resolve("int8.lkq");
            QuantizedModelFile.save(ptq, file);
            assertFalse(Files.exists(dir.resolve("int8.lkq.tmp")), "no temporary file left");
            byte[] all = Files.readAllBytes(file);

            Map<String, byte[]> damaged = new LinkedHashMap<>();
            damaged.put("truncated half way", java.util.Arrays.copyOf(all, all.length / 2));
            damaged.put("last byte missing", java.util.Arrays.copyOf(all, all.length - 1));
            damaged.put("trailing bytes", java.util.Arrays.copyOf(all, all.length + 3));
            for (Map.Entry<String, byte[]> d : damaged.entrySet()) {
                Path bad = dir.resolve("bad.lkq");
                Files.write(bad, d.getValue());
                Block twin = TestModels.convStack(m, 4);
                Ptq prepared = Ptq.prepare(twin, QConfig.fbgemm());
                Map<String, float[]> before = snapshot(twin);
                RuntimeException e = assertThrows(RuntimeException.class, () -> QuantizedModelFile.load(prepared, bad),
                        d.getKey());
                assertTrue(e instanceof UncheckedIOException || e instanceof IllegalArgumentException, e.toString());
                assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
                Map<String, float[]> after = snapshot(twin);
                for (String k : before.keySet()) {
                    assertArrayEquals(before.get(k), after.get(k), d.getKey() + ": weight " + k + " untouched");
                }
            }
            // the intact file still loads into a fresh twin
            Ptq prepared = Ptq.prepare(TestModels.convStack(m, 4), QConfig.fbgemm());
            assertNotNull(QuantizedModelFile.load(prepared, file));
        }
    }

    private static Map<String, float[]> snapshot(Block b) {
        Map<String, float[]> out = new LinkedHashMap<>();
        BlockTree.parameters(b).forEach((k, p) -> out.put(k, p.getArray().toFloatArray()));
        return out;
    }
}
