package dev.netinvert.tests.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.io.FileFormatException;
import dev.netinvert.solvers.io.Images;
import dev.netinvert.solvers.io.Images.Scaling;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Grayscale PNG writing with both scalings, reading back, and bad images. */
class ImagesTest {

    @TempDir
    Path dir;

    @Test
    void clipScalingRoundTripsToTheNearestGrayLevel() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int h = 7, w = 5;
            FloatMatrix img = FloatMatrix.allocate(arena, h, w);
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    img.set(i, j, (i * w + j) / 30f - 0.1f);
                }
            }
            img.set(6, 4, Float.NaN);
            Path p = dir.resolve("x.png");
            Images.writePng(p, img, Scaling.CLIP_0_1);
            FloatMatrix back = Images.readGray(p, arena);
            assertEquals(h, back.rows());
            assertEquals(w, back.cols());
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    float v = img.get(i, j);
                    float expected = Float.isNaN(v) ? 0f : Math.round(255.0 * Math.min(1f, Math.max(0f, v))) / 255f;
                    assertEquals(expected, back.get(i, j), 1e-7f, "pixel " + i + "," + j);
                }
            }
        }
    }

    @Test
    void minMaxScalingSpansTheGrayRange() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            FloatVec px = FloatVec.of(arena, -3f, 1f, 5f, Float.POSITIVE_INFINITY, 1f, -3f);
            Path p = dir.resolve("mm.png");
            Images.writePng(p, px, 2, 3, Scaling.MIN_MAX);
            FloatMatrix back = Images.readGray(p, arena);
            assertEquals(0f, back.get(0, 0));
            assertEquals(Math.round(255 * 0.5f) / 255f, back.get(0, 1), 1e-7f);
            assertEquals(1f, back.get(0, 2));
            assertEquals(1f, back.get(1, 0), "+inf is white");
            Images.writePng(p, FloatVec.of(arena, 2f, 2f), 1, 2, Scaling.MIN_MAX);
            assertEquals(0f, Images.readGray(p, arena).get(0, 1), "a constant image is black");
            assertThrows(IllegalArgumentException.class, () -> Images.writePng(p, px, 4, 2, Scaling.CLIP_0_1));
        }
    }

    @Test
    void sixteenBitGrayAndGrayRgbAreRead() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            BufferedImage g16 = new BufferedImage(2, 1, BufferedImage.TYPE_USHORT_GRAY);
            g16.getRaster().setSample(0, 0, 0, 65535);
            g16.getRaster().setSample(1, 0, 0, 1000);
            Path p16 = dir.resolve("g16.png");
            ImageIO.write(g16, "png", p16.toFile());
            FloatMatrix m = Images.readGray(p16, arena);
            assertEquals(1f, m.get(0, 0));
            assertEquals(1000f / 65535f, m.get(0, 1), 1e-7f);

            BufferedImage rgb = new BufferedImage(2, 1, BufferedImage.TYPE_INT_RGB);
            rgb.setRGB(0, 0, 0x808080);
            rgb.setRGB(1, 0, 0xffffff);
            Path pg = dir.resolve("rgb-gray.png");
            ImageIO.write(rgb, "png", pg.toFile());
            assertEquals(128f / 255f, Images.readGray(pg, arena).get(0, 0), 1e-7f);

            rgb.setRGB(1, 0, 0x102030);
            Path pc = dir.resolve("color.png");
            ImageIO.write(rgb, "png", pc.toFile());
            FileFormatException e = assertThrows(FileFormatException.class, () -> Images.readGray(pc, arena));
            assertTrue(e.getMessage().contains("pixel (row 0, column 1)") && e.getMessage().contains("16, 32, 48"),
                    e.getMessage());
        }
    }

    @Test
    void badImagesAreRejectedWithoutReadingPixels() throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            Path p = dir.resolve("x.png");
            Images.writePng(p, FloatMatrix.allocate(arena, 8, 8), Scaling.CLIP_0_1);
            byte[] whole = Files.readAllBytes(p);
            Path cut = dir.resolve("cut.png");
            Files.write(cut, java.util.Arrays.copyOf(whole, whole.length / 2));
            FileFormatException e = assertThrows(FileFormatException.class, () -> Images.readGray(cut, arena));
            assertTrue(e.getMessage().contains("cut.png"), e.getMessage());

            Path text = dir.resolve("text.png");
            Files.writeString(text, "not an image");
            assertThrows(FileFormatException.class, () -> Images.readGray(text, arena));

            Path huge = dir.resolve("huge.png");
            Files.write(huge, pngHeaderOnly(100_000, 100_000));
            FileFormatException big = assertThrows(FileFormatException.class, () -> Images.readGray(huge, arena));
            assertTrue(big.getMessage().contains("100000×100000"), big.getMessage());
        }
    }

    /** A PNG signature and a valid IHDR chunk claiming w × h 8-bit gray pixels, and nothing else. */
    private static byte[] pngHeaderOnly(int w, int h) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(4 + 13);
        ihdr.put(new byte[] {'I', 'H', 'D', 'R'}).putInt(w).putInt(h).put((byte) 8).put((byte) 0)
                .put((byte) 0).put((byte) 0).put((byte) 0);
        CRC32 crc = new CRC32();
        crc.update(ihdr.array());
        out.writeBytes(ByteBuffer.allocate(4).putInt(13).array());
        out.writeBytes(ihdr.array());
        out.writeBytes(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
        return out.toByteArray();
    }
}
