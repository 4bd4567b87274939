package dev.netinvert.solvers.io;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;

import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Objects;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Grayscale PNG images of 2-D arrays (an H×W image is an H×W row-major {@link FloatMatrix}: row i is
 * image row i from the top, column j is pixel j from the left), through {@code javax.imageio}.
 *
 * <p>Writing makes an 8-bit grayscale PNG with a stated {@link Scaling} and writes it atomically
 * ({@link AtomicFiles}). Reading accepts any grayscale PNG ImageIO decodes (1-, 2-, 4-, 8- or 16-bit
 * gray, with or without alpha, which is ignored; and palette or RGB images whose pixels all have
 * R = G = B) and returns values in [0, 1]: sample / (2^bits − 1). Color images are rejected, naming the
 * first colored pixel. The other formats ImageIO knows (BMP, GIF, JPEG, TIFF, WBMP) are rejected: fuzzing
 * found their decoders trusting header fields (a 126-byte TIFF exhausted a 1 GiB heap). Images above {@value #MAX_PIXELS} pixels are rejected from the header, before
 * any pixel memory is allocated.
 */
public final class Images {
    private Images() {}

    /** 8192 × 8192: far above the papers' 64×64 and 28×28 images, far below what exhausts a heap. */
    public static final long MAX_PIXELS = 1L << 26;

    /** The largest expansion of a deflate stream (RFC 1951: 258-byte matches from 2-bit codes, about 1032:1). */
    static final long MAX_INFLATION = 1032;

    /** How array values map to the 8-bit gray levels 0..255. */
    public enum Scaling {
        /** Gray = round(255·clamp(v, 0, 1)) in double: values are intensities in [0, 1], as the papers' images are. */
        CLIP_0_1,
        /**
         * Gray = round(255·(v − min)/(max − min)) over the finite values; a constant image is all 0. For
         * looking at arrays of any range (residuals, dual variables).
         */
        MIN_MAX
    }

    /**
     * Writes {@code image} as an 8-bit grayscale PNG. NaN pixels are written as 0 (black) under either
     * scaling, +∞ as 255 and −∞ as 0 under {@link Scaling#CLIP_0_1}, and ±∞ are excluded from min/max.
     */
    public static void writePng(Path file, FloatMatrix image, Scaling scaling) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(scaling, "scaling");
        int h = image.rows(), w = image.cols();
        if (h < 1 || w < 1) {
            throw new IllegalArgumentException("image: expected at least 1×1, got " + h + "×" + w);
        }
        float lo = 0f, hi = 1f;
        if (scaling == Scaling.MIN_MAX) {
            lo = Float.POSITIVE_INFINITY;
            hi = Float.NEGATIVE_INFINITY;
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    float v = image.get(i, j);
                    if (Float.isFinite(v)) {
                        lo = Math.min(lo, v);
                        hi = Math.max(hi, v);
                    }
                }
            }
        }
        double range = hi > lo ? (double) hi - lo : Double.POSITIVE_INFINITY;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        WritableRaster raster = img.getRaster();
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                float v = image.get(i, j);
                double t = Float.isNaN(v) ? 0 : (v - lo) / range;
                if (scaling == Scaling.MIN_MAX && !Float.isFinite(v)) {
                    t = v == Float.POSITIVE_INFINITY ? 1 : 0;
                }
                raster.setSample(j, i, 0, (int) Math.round(255 * Math.min(1, Math.max(0, t))));
            }
        }
        AtomicFiles.write(file, ch -> {
            OutputStream out = Channels.newOutputStream(ch);
            if (!ImageIO.write(img, "png", out)) {
                throw new IOException("no PNG writer available in javax.imageio");
            }
            out.flush();
        });
    }

    /** Writes {@code height × width} pixels stored row by row in {@code pixels} (e.g. a solver's x). */
    public static void writePng(Path file, FloatVec pixels, int height, int width, Scaling scaling) throws IOException {
        Objects.requireNonNull(pixels, "pixels");
        if (height < 1 || width < 1 || (long) height * width != pixels.length()) {
            throw new IllegalArgumentException("pixels: expected height × width = " + height + "×" + width + " = "
                    + (long) height * width + " elements, got " + pixels.length());
        }
        writePng(file, FloatMatrix.wrap(pixels.segment(), pixels.byteOffset(), height, width), scaling);
    }

    /**
     * Reads a grayscale image into a new {@code height × width} matrix in {@code arena}, values in [0, 1].
     *
     * @throws FileFormatException if the file is not a readable image, is too large, or has colored pixels
     */
    public static FloatMatrix readGray(Path file, Arena arena) throws IOException {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(arena, "arena");
        if (!Files.isRegularFile(file)) {
            throw new FileFormatException(file, null, "file not found");
        }
        BufferedImage img;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new FileFormatException(file, null, "not an image format javax.imageio can read (expected PNG)");
            }
            ImageReader reader = readers.next();
            if (!"png".equalsIgnoreCase(reader.getFormatName())) {
                // Found by fuzzing: the TIFF decoder (and BMP, GIF, JPEG, WBMP behind the same call) allocates
                // from header fields before reading data, e.g. an OutOfMemoryError from a 126-byte TIFF.
                reader.dispose();
                throw new FileFormatException(file, null, "a " + reader.getFormatName().toUpperCase(java.util.Locale.ROOT)
                        + " image: expected PNG");
            }
            try {
                reader.setInput(in, true, true);
                long w = reader.getWidth(0), h = reader.getHeight(0);
                if (w < 1 || h < 1 || w * h > MAX_PIXELS) {
                    throw new FileFormatException(file, null, "image of " + w + "×" + h + " pixels: expected between 1 and "
                            + MAX_PIXELS + " pixels");
                }
                // ImageIO allocates the whole raster from IHDR before it inflates any data, so a few bytes could
                // make it allocate 512 MiB (found by fuzzing). Deflate expands at most 1032-fold, so a file of S bytes
                // holds at most 1032·S bytes of scanlines, and a header promising more is lying.
                int bits = reader.getRawImageType(0) == null ? 1 : reader.getRawImageType(0).getColorModel().getPixelSize();
                long rawBytes = h * ((w * Math.max(1, bits) + 7) / 8);
                long fileBytes = Files.size(file);
                if (rawBytes > MAX_INFLATION * fileBytes + 1024) {
                    throw new FileFormatException(file, null, "header declares " + w + "×" + h + " pixels of " + bits + " bits ("
                            + rawBytes + " bytes of scanlines), but a PNG of " + fileBytes + " bytes decodes to at most "
                            + MAX_INFLATION + "× that");
                }
                img = reader.read(0);
            } finally {
                reader.dispose();
            }
        } catch (FileFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new FileFormatException(file, null, "unreadable image: " + e, e);
        }
        int w = img.getWidth(), h = img.getHeight();
        Raster raster = img.getRaster();
        ColorModel cm = img.getColorModel();
        FloatMatrix out = FloatMatrix.allocate(arena, h, w);
        if (cm instanceof IndexColorModel icm) {
            for (int i = 0; i < h; i++) {
                for (int j = 0; j < w; j++) {
                    int k = raster.getSample(j, i, 0);
                    int r = icm.getRed(k), g = icm.getGreen(k), b = icm.getBlue(k);
                    if (r != g || g != b) {
                        throw notGray(file, i, j, r, g, b);
                    }
                    out.set(i, j, r / 255f);
                }
            }
            return out;
        }
        int bits = cm.getComponentSize(0);
        long maxSample = (1L << bits) - 1;
        float scale = (float) maxSample;
        boolean gray = cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY;
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                int v = raster.getSample(j, i, 0);
                if (v < 0 || v > maxSample) {
                    // Found by fuzzing: a 10-bit TIFF keeps its samples in 16 bits, and a corrupt one holds
                    // values up to 65535, which gave pixels far above 1.
                    throw new FileFormatException(file, null, "pixel (row " + i + ", column " + j + ") has the value " + v
                            + ", outside the " + bits + "-bit range 0.." + maxSample + " the image declares");
                }
                if (!gray) {
                    int g = raster.getSample(j, i, 1), b = raster.getSample(j, i, 2);
                    if (v != g || g != b) {
                        throw notGray(file, i, j, v, g, b);
                    }
                }
                out.set(i, j, v / scale);
            }
        }
        return out;
    }

    private static FileFormatException notGray(Path file, int i, int j, int r, int g, int b) {
        return new FileFormatException(file, null, "expected a grayscale image, but pixel (row " + i + ", column " + j
                + ") has R, G, B = " + r + ", " + g + ", " + b);
    }
}
