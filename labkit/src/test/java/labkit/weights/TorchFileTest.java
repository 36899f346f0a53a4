package labkit.weights;

import static org.junit.jupiter.api.Assertions.*;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import labkit.TestFixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TorchFileTest {

    @ParameterizedTest
    @ValueSource(strings = {"dtypes_zip.pth", "dtypes_legacy.pth", "dtypes_bigendian.pth"})
    void readsEveryDtypeAndViewExactlyInKeyOrder(String file) throws IOException {
        StateDict sd = StateDict.read(TestFixtures.path("weights/" + file));
        JsonObject expected = TestFixtures.object("weights/dtypes.json");
        assertEquals(new ArrayList<>(expected.keySet()), new ArrayList<>(sd.keys()), "key order kept");
        for (Map.Entry<String, JsonElement> e : expected.entrySet()) {
            JsonObject meta = e.getValue().getAsJsonObject();
            TensorData t = sd.get(e.getKey());
            String where = file + " " + e.getKey();
            assertEquals(meta.get("dtype").getAsString(), t.dtype().torchName(), where);
            assertArrayEquals(TestFixtures.longs(meta, "shape"), t.shape(), where);
            if (t.dtype().isFloating()) {
                var vals = meta.getAsJsonArray("values");
                double[] got = t.toDoubleArray();
                assertEquals(vals.size(), got.length, where);
                for (int i = 0; i < got.length; i++) {
                    // float32/16/bf16 values are exact floats; compare bit-exactly after the float cast
                    double want = vals.get(i).getAsDouble();
                    if (t.dtype() == DType.FLOAT64) {
                        assertEquals(want, got[i], 0.0, where + "[" + i + "]");
                    } else {
                        assertEquals((float) want, (float) got[i], 0.0f, where + "[" + i + "]");
                    }
                }
            } else if (t.dtype() == DType.BOOL) {
                var vals = meta.getAsJsonArray("values");
                long[] got = t.toLongArray();
                for (int i = 0; i < got.length; i++) {
                    assertEquals(vals.get(i).getAsBoolean() ? 1 : 0, got[i], where);
                }
            } else {
                assertArrayEquals(TestFixtures.longs(meta, "values"), t.toLongArray(), where);
            }
        }
        // views resolved into dense copies: the transposed tensor is base.t(), the slice base[1:, ::2]
        float[] tr = sd.get("transposed").toFloatArray();
        float[] sl = sd.get("offset_slice").toFloatArray();
        assertEquals(tr[1], sl[0], 0f, "transposed[0][1] == base[1][0] == offset_slice[0][0]");
        assertArrayEquals(new float[] {1.5f, -2f, 1.5f, -2f, 1.5f, -2f}, sd.get("expanded").toFloatArray());
        assertEquals(0, sd.get("scalar").shape().length);
        assertEquals(0, sd.get("empty").numel());
    }

    @Test
    void ndArraysKeepDtypesAndBfloat16BecomesFloat32() throws IOException {
        StateDict sd = StateDict.read(TestFixtures.path("weights/dtypes_zip.pth"));
        try (NDManager m = NDManager.newBaseManager()) {
            for (String k : List.of("zeta.f32", "mid.f64", "i64", "i32", "i8", "u8", "bool", "scalar")) {
                TensorData t = sd.get(k);
                NDArray a = t.toNDArray(m);
                assertEquals(t.djlShape(), a.getShape(), k);
                assertEquals(t.dtype().djlType(), a.getDataType(), k);
                assertEquals(t, TensorData.of(a), k + " survives the NDArray round trip");
            }
            NDArray bf = sd.get("bf16").toNDArray(m);
            assertEquals(DataType.FLOAT32, bf.getDataType());
            assertArrayEquals(sd.get("bf16").toFloatArray(), bf.toFloatArray());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"evil_zip.pth", "evil_legacy.pth"})
    void refusesAPickleThatCallsOsSystem(String file) {
        UnsafePickleException e = assertThrows(UnsafePickleException.class, () -> StateDict.read(TestFixtures.path("weights/" + file)));
        assertTrue(e.refused().endsWith(".system"), e.refused());
        assertTrue(e.getMessage().contains(file) && e.getMessage().contains("weights_only"), e.getMessage());
    }

    @Test
    void roundTripIsExact(@TempDir Path dir) throws IOException {
        StateDict sd = StateDict.read(TestFixtures.path("weights/dtypes_legacy.pth"));
        Path out = dir.resolve("copy.pth");
        sd.write(out);
        StateDict back = StateDict.read(out);
        assertEquals(sd, back);
        assertEquals(List.of("archive/data.pkl", "archive/byteorder"), TorchFile.entries(out).subList(0, 2));
        // writing is deterministic
        Path again = dir.resolve("again.pth");
        back.write(again);
        assertArrayEquals(Files.readAllBytes(out), Files.readAllBytes(again));
    }

    @Test
    void clearErrorsForMissingTruncatedAndForeignFiles(@TempDir Path dir) throws IOException {
        IOException missing = assertThrows(IOException.class, () -> StateDict.read(dir.resolve("nope.pth")));
        assertTrue(missing.getMessage().contains("nope.pth"), missing.getMessage());

        byte[] legacy = Files.readAllBytes(TestFixtures.path("weights/dtypes_legacy.pth"));
        Path cut = dir.resolve("cut.pth");
        Files.write(cut, Arrays.copyOf(legacy, legacy.length - 40));
        IOException trunc = assertThrows(IOException.class, () -> StateDict.read(cut));
        assertTrue(trunc.getMessage().contains("cut.pth") && trunc.getMessage().contains("truncated"),
                trunc.getMessage());

        byte[] zip = Files.readAllBytes(TestFixtures.path("weights/dtypes_zip.pth"));
        Path cutZip = dir.resolve("cutzip.pth");
        Files.write(cutZip, Arrays.copyOf(zip, zip.length / 2));
        IOException truncZip = assertThrows(IOException.class, () -> StateDict.read(cutZip));
        assertTrue(truncZip.getMessage().contains("cutzip.pth"), truncZip.getMessage());

        Path text = dir.resolve("notes.pth");
        Files.writeString(text, "hello");
        IOException foreign = assertThrows(IOException.class, () -> StateDict.read(text));
        assertTrue(foreign.getMessage().contains("not a torch.save file"), foreign.getMessage());
    }
}
