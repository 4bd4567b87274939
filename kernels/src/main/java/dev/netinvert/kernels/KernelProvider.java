package dev.netinvert.kernels;

import dev.netinvert.kernels.scalar.ScalarKernelSupport;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Optional;

/**
 * Chooses the kernel implementation once per JVM (the Apache Lucene provider pattern):
 * the SIMD implementation when the module {@code jdk.incubator.vector} is present and C2 is active,
 * otherwise the scalar one over the same segments.
 *
 * <p>System properties:
 * <ul>
 *   <li>{@code netinvert.kernels=auto|simd|scalar} (default {@code auto}): force an implementation;
 *       {@code simd} when the Vector API is unavailable logs a warning and falls back to scalar.</li>
 *   <li>{@code netinvert.vector.bits=128|256|512}: narrow the vector width (never wider than the
 *       CPU's preferred width; a wider request is clamped with a warning).</li>
 *   <li>{@code netinvert.fma=true|false}: use fused multiply-add or separate multiply and add
 *       (default: whatever HotSpot's {@code UseFMA} says).</li>
 * </ul>
 */
public final class KernelProvider {
    private KernelProvider() {}

    public static final String IMPL_PROPERTY = "netinvert.kernels";
    public static final String BITS_PROPERTY = "netinvert.vector.bits";
    public static final String FMA_PROPERTY = "netinvert.fma";

    private static final String SIMD_CLASS = "dev.netinvert.kernels.simd.SimdKernelSupport";
    private static final System.Logger LOG = System.getLogger("dev.netinvert.kernels");

    /** The scalar implementation (always available). */
    public static KernelSupport scalar() {
        return new ScalarKernelSupport();
    }

    /**
     * The SIMD implementation, or empty with the reason logged at DEBUG when it cannot be used
     * here. Tests and benchmarks use this to run both implementations in one JVM.
     */
    public static Optional<KernelSupport> simd() {
        if (simdUnavailableReason() != null) {
            return Optional.empty();
        }
        try {
            return Optional.of((KernelSupport) Class.forName(SIMD_CLASS).getConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError e) {
            LOG.log(System.Logger.Level.DEBUG, "SIMD kernels could not be loaded", e);
            return Optional.empty();
        }
    }

    /** Why the SIMD implementation cannot be used in this JVM, or {@code null} if it can. */
    public static String simdUnavailableReason() {
        if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return "module jdk.incubator.vector is not present (add the JVM flag --add-modules jdk.incubator.vector)";
        }
        String info = System.getProperty("java.vm.info", "");
        if (info.contains("interpreted mode")) {
            return "the JVM runs in interpreted mode (-Xint): vector code would be slower than scalar";
        }
        String stop = vmOption("TieredStopAtLevel");
        String tiered = vmOption("TieredCompilation");
        if (stop != null && !"false".equals(tiered) && Integer.parseInt(stop) < 4) {
            return "C2 is disabled (-XX:TieredStopAtLevel=" + stop + "): the Vector API needs C2 to be fast";
        }
        return null;
    }

    /** The value of a HotSpot VM option, or {@code null} if it cannot be read. */
    public static String vmOption(String name) {
        try {
            var bean = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
            return bean == null ? null : bean.getVMOption(name).getValue();
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** Picks and logs the implementation; called once by {@link Kernels}. */
    static KernelSupport lookup() {
        String mode = System.getProperty(IMPL_PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        if (!mode.equals("auto") && !mode.equals("simd") && !mode.equals("scalar")) {
            throw new IllegalArgumentException(
                    "system property " + IMPL_PROPERTY + " must be auto, simd or scalar, got '" + mode + "'");
        }
        KernelSupport chosen;
        String why;
        if (mode.equals("scalar")) {
            chosen = scalar();
            why = "forced by -D" + IMPL_PROPERTY + "=scalar";
        } else {
            String reason = simdUnavailableReason();
            Optional<KernelSupport> simd = reason == null ? simd() : Optional.empty();
            if (simd.isPresent()) {
                chosen = simd.get();
                why = mode.equals("simd") ? "forced by -D" + IMPL_PROPERTY + "=simd" : "Vector API present, C2 active";
            } else {
                chosen = scalar();
                why = reason == null ? "SIMD kernels failed to load" : reason;
                if (mode.equals("simd")) {
                    LOG.log(System.Logger.Level.WARNING,
                            "-D" + IMPL_PROPERTY + "=simd was requested but " + why + "; using scalar kernels");
                }
            }
        }
        String bits = System.getProperty(BITS_PROPERTY);
        if (bits != null && chosen.name().equals("simd") && chosen.vectorBitSize() != Integer.parseInt(bits.trim())) {
            LOG.log(System.Logger.Level.WARNING, "-D" + BITS_PROPERTY + "=" + bits.trim()
                    + " is wider than this CPU's preferred vector width; using " + chosen.vectorBitSize() + " bits");
        }
        LOG.log(System.Logger.Level.INFO, "netinvert kernels: " + describe(chosen) + " (" + why + ")");
        return chosen;
    }

    static String describe(KernelSupport k) {
        return k.name() + ", " + k.vectorBitSize() + "-bit vectors"
                + (k.name().equals("simd") ? " (" + k.vectorBitSize() / Float.SIZE + " floats)" : "")
                + ", FMA " + (k.usesFma() ? "on" : "off");
    }
}
