package labkit.vision;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Java2DFrameConverter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

class VisionTest {
    @TempDir Path tmp;

    @Test
    void findsTheFaceInMostFramesAndSavesCrops() throws Exception {
        Path video = SyntheticFaceVideo.write(tmp.resolve("astronaut.avi"), 12, 320, 240);
        try (VideoReader r = VideoReader.open(video)) {
            assertEquals("ffmpeg", r.backend());
            assertEquals(12, r.frameCount());
            assertEquals(15.0, r.fps(), 1e-6);
        }
        Path out = tmp.resolve("crops");
        Table t = FaceCrops.builder().every(1).size(48).margin(0.2).build().extract(video, out);
        assertEquals(List.of("frame", "time_ms", "face", "x", "y", "width", "height", "file", "confidence", "source"),
                t.columnNames());
        long framesWithFace = t.intColumn("frame").unique().size();
        assertTrue(framesWithFace >= 10, "face found in only " + framesWithFace + " of 12 frames:\n" + t);
        for (int i = 0; i < t.rowCount(); i++) {
            // the astronaut's face is in the upper middle of the portrait
            int cx = t.intColumn("x").get(i) + t.intColumn("width").get(i) / 2;
            assertTrue(cx > 80 && cx < 280, "face centre x " + cx);
            assertTrue(t.intColumn("width").get(i) >= 40, "face box too small: " + t.intColumn("width").get(i));
            Path crop = out.resolve(t.stringColumn("file").get(i));
            assertEquals(FaceCrops.cropName(t.intColumn("frame").get(i), t.intColumn("face").get(i)),
                    crop.getFileName().toString());
            BufferedImage img = ImageIO.read(crop.toFile());
            assertEquals(48, img.getWidth());
            assertEquals(48, img.getHeight());
        }
        // every 3rd frame: frames 0, 3, 6, 9 only
        Table sparse = FaceCrops.builder().every(3).build().extract(video, tmp.resolve("sparse"));
        sparse.intColumn("frame").forEach(f -> assertEquals(0, f % 3));
    }

    @Test
    void readsMp4ThroughFfmpeg() throws Exception {
        Path avi = SyntheticFaceVideo.write(tmp.resolve("a.avi"), 6, 320, 240);
        List<BufferedImage> frames;
        try (VideoReader r = VideoReader.open(avi)) {
            frames = r.frames(1, 0);
        }
        assertEquals(6, frames.size());
        Path mp4 = tmp.resolve("a.mp4");
        org.bytedeco.ffmpeg.global.avutil.av_log_set_level(org.bytedeco.ffmpeg.global.avutil.AV_LOG_FATAL);
        try (FFmpegFrameRecorder rec = new FFmpegFrameRecorder(mp4.toFile(), 320, 240);
                Java2DFrameConverter conv = new Java2DFrameConverter()) {
            rec.setFormat("mp4");
            rec.setVideoCodec(avcodec.AV_CODEC_ID_MPEG4);
            rec.setFrameRate(15);
            rec.start();
            for (BufferedImage f : frames) {
                BufferedImage bgr = new BufferedImage(320, 240, BufferedImage.TYPE_3BYTE_BGR);
                bgr.getGraphics().drawImage(f, 0, 0, null);
                rec.record(conv.convert(bgr));
            }
            rec.stop();
        }
        try (VideoReader r = VideoReader.open(mp4)) {
            assertEquals("ffmpeg", r.backend());
            List<BufferedImage> back = r.frames(1, 0);
            assertEquals(6, back.size());
            assertEquals(320, back.get(0).getWidth());
        }
        Table t = FaceCrops.builder().build().extract(mp4, tmp.resolve("mp4crops"));
        assertTrue(t.rowCount() >= 5, "faces in mp4 frames: " + t.rowCount());
    }

    @Test
    void unreadableVideoAndMissingCascadeAreClearErrors() throws Exception {
        Path broken = tmp.resolve("broken.mp4");
        Files.write(broken, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> VideoReader.open(broken));
        assertTrue(e.getMessage().contains(broken.toAbsolutePath().toString()) && e.getMessage().contains("cannot read video"),
                e.getMessage());
        Path missing = tmp.resolve("nope.avi");
        e = assertThrows(IllegalArgumentException.class, () -> VideoReader.open(missing));
        assertTrue(e.getMessage().contains("not found") && e.getMessage().contains("nope.avi"), e.getMessage());

        Path noCascade = tmp.resolve("cascade.xml");
        e = assertThrows(IllegalArgumentException.class, () -> FaceDetector.fromFile(noCascade));
        assertTrue(e.getMessage().contains("cascade.xml") && e.getMessage().contains("frontalFace()"), e.getMessage());
        Files.writeString(noCascade, "<?xml version=\"1.0\"?><opencv_storage></opencv_storage>");
        e = assertThrows(IllegalArgumentException.class, () -> FaceDetector.fromFile(noCascade));
        assertTrue(e.getMessage().contains("not an OpenCV cascade"), e.getMessage());
    }
}
