package dev.netinvert.solvers.experiments;

/** Test images of the papers' experiments, as row-major {@code height × width} arrays. */
public final class Phantoms {
    private Phantoms() {}

    /**
     * A binary disc: pixel (i, j) is 1 iff (i − ci)² + (j − cj)² ≤ r². The circle of sec. 5.1.1 [000] is
     * {@code disc(64, 64, 31.5, 31.5, 15.8)}: 788 pixels, ‖x‖₂ = √788 = 28.07 and anisotropic total
     * variation exactly 128 — both of the paper's ground-truth figures.
     */
    public static float[] disc(int height, int width, double ci, double cj, double radius) {
        if (height < 1 || width < 1) {
            throw new IllegalArgumentException("image shape must be positive, got " + height + "×" + width);
        }
        if (!(radius >= 0) || Double.isInfinite(radius)) {
            throw new IllegalArgumentException("radius must be finite and >= 0, got " + radius);
        }
        float[] x = new float[height * width];
        double r2 = radius * radius;
        for (int i = 0; i < height; i++) {
            for (int j = 0; j < width; j++) {
                double di = i - ci, dj = j - cj;
                x[i * width + j] = di * di + dj * dj <= r2 ? 1f : 0f;
            }
        }
        return x;
    }

    /** The ground truth of sec. 5.1.1 [000]: a 64×64 disc of radius 15.8 centred at (31.5, 31.5). */
    public static float[] paperCircle() {
        return disc(64, 64, 31.5, 31.5, 15.8);
    }
}
