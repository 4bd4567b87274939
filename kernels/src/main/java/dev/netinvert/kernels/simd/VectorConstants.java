package dev.netinvert.kernels.simd;

import dev.netinvert.kernels.FloatVec;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * The species and byte order, fixed once per JVM. Kept apart from the kernels (as Lucene does) so the provider can
 * read it without loading kernel code, and so it is a {@code static final} constant for C2. The width
 * comes from the system property {@code netinvert.vector.bits} (128, 256 or 512; never wider than the
 * CPU's preferred width).
 */
public final class VectorConstants {
    private VectorConstants() {}

    /** The CPU's preferred width in bits, before any narrowing. */
    public static final int PREFERRED_BITS = FloatVector.SPECIES_PREFERRED.vectorBitSize();

    /** The width asked for with {@code netinvert.vector.bits}, or 0 if none. */
    public static final int REQUESTED_BITS = requestedBits();

    public static final VectorSpecies<Float> SPECIES = chooseSpecies();

    /**
     * The byte order of every vector load and store: that of {@link FloatVec#LAYOUT}, so vector and scalar
     * accesses read the same floats. (In the activation kernels, whose comparisons are statically imported,
     * the comparison "less or equal" is spelled {@code VectorOperators.LE} to leave this name to the order.)
     */
    public static final ByteOrder LE = FloatVec.LAYOUT.order();

    private static int requestedBits() {
        String s = System.getProperty("netinvert.vector.bits", "").trim();
        if (s.isEmpty()) {
            return 0;
        }
        try {
            int bits = Integer.parseInt(s);
            if (bits == 128 || bits == 256 || bits == 512) {
                return bits;
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException(
                "system property netinvert.vector.bits must be 128, 256 or 512, got '" + s + "'");
    }

    private static VectorSpecies<Float> chooseSpecies() {
        int bits = REQUESTED_BITS == 0 ? PREFERRED_BITS : Math.min(REQUESTED_BITS, PREFERRED_BITS);
        if (bits < 128) {
            bits = 128; // a CPU whose preferred width is 64 bits gains nothing; 128 is the narrowest we support
        }
        return VectorSpecies.of(float.class, VectorShape.forBitSize(bits));
    }
}
