package dev.netinvert.kernels;

import dev.netinvert.kernels.scalar.ScalarKernelSupport;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Chooses the kernel implementation once per JVM (the Apache Lucene provider pattern):
 * the SIMD implementation when the module {@code jdk.incubator.vector} is present, C2 is active and the
 * CPU has fused multiply-add, otherwise the scalar one over the same segments.
 *
 * <p>System properties:
 * <ul>
 *   <li>{@code netinvert.kernels=auto|simd|scalar} (default {@code auto}): force an implementation;
 *       {@code simd} when the Vector API is unavailable logs a warning and falls back to scalar.</li>
 *   <li>{@code netinvert.vector.bits=128|256|512}: narrow the vector width (never wider than the
 *       CPU's preferred width; a wider request is clamped with a warning).</li>
 * </ul>
 */
public final class KernelProvider {
    private KernelProvider() {}

    public static final String IMPL_PROPERTY = "netinvert.kernels";
    public static final String BITS_PROPERTY = "netinvert.vector.bits";

    static final String SIMD_CLASS = "dev.netinvert.kernels.simd.SimdKernelSupport";
    private static final System.Logger LOG = System.getLogger("dev.netinvert.kernels");

    /** The scalar implementation (always available). */
    public static KernelSupport scalar() {
        return new ScalarKernelSupport();
    }

    /**
     * The SIMD implementation of the BLAS family, or empty when it cannot be used here. Tests and benchmarks use this to run both implementations in one JVM.
     */
    public static Optional<KernelSupport> simd() {
        return simdInstance(KernelSupport.class, SIMD_CLASS);
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
        if ("false".equals(vmOption("UseFMA"))) {
            // The SIMD kernels call FloatVector.fma directly (no helper that could choose mul + add: a helper
            // between a kernel and the Vector API is a call C2 may decline to inline, and then every vector it
            // passes is boxed). Without hardware FMA that call is not intrinsified and runs lane by lane in Java.
            return "the CPU has no fused multiply-add (HotSpot UseFMA is off): vector FMA would run as Java code";
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

    /** Whether the SIMD family of implementations is used in this JVM (decided once, logged once). */
    private static final boolean USE_SIMD = decide();

    /**
     * The implementation of a kernel family for this JVM: {@code simdClassName} (a public class with a
     * public no-argument constructor, in a package that touches {@code jdk.incubator.vector}) when SIMD is
     * active, otherwise {@code scalar}. Every facade ({@link Blas}, {@link Fused}, ...) calls this once
     * and keeps the result in a {@code static final} field.
     */
    public static <T> T choose(Class<T> family, String simdClassName, Supplier<? extends T> scalar) {
        if (USE_SIMD) {
            Optional<T> simd = simdInstance(family, simdClassName);
            if (simd.isPresent()) {
                return simd.get();
            }
        }
        return scalar.get();
    }

    /**
     * A fresh instance of a SIMD implementation class, or empty when the Vector API cannot be used
     * here. Tests and benchmarks use this to pit both implementations against each other in one JVM.
     */
    public static <T> Optional<T> simdInstance(Class<T> family, String simdClassName) {
        if (simdUnavailableReason() != null) {
            return Optional.empty();
        }
        try {
            return Optional.of(family.cast(Class.forName(simdClassName).getConstructor().newInstance()));
        } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
            LOG.log(System.Logger.Level.WARNING, "SIMD kernels " + simdClassName + " could not be loaded: " + e);
            return Optional.empty();
        }
    }

    private static boolean decide() {
        String mode = System.getProperty(IMPL_PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        if (!mode.equals("auto") && !mode.equals("simd") && !mode.equals("scalar")) {
            throw new IllegalArgumentException(
                    "system property " + IMPL_PROPERTY + " must be auto, simd or scalar, got '" + mode + "'");
        }
        if (mode.equals("scalar")) {
            LOG.log(System.Logger.Level.INFO, "netinvert kernels: scalar (forced by -D" + IMPL_PROPERTY + "=scalar)");
            return false;
        }
        String reason = simdUnavailableReason();
        Optional<KernelSupport> probe = reason == null ? simdInstance(KernelSupport.class, SIMD_CLASS) : Optional.empty();
        if (probe.isEmpty()) {
            String why = reason == null ? "SIMD kernels failed to load" : reason;
            LOG.log(mode.equals("simd") ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                    "netinvert kernels: scalar (" + why + ")");
            return false;
        }
        KernelSupport k = probe.get();
        String bits = System.getProperty(BITS_PROPERTY);
        if (bits != null && k.vectorBitSize() != Integer.parseInt(bits.trim())) {
            LOG.log(System.Logger.Level.WARNING, "-D" + BITS_PROPERTY + "=" + bits.trim()
                    + " is wider than this CPU's preferred vector width; using " + k.vectorBitSize() + " bits");
        }
        LOG.log(System.Logger.Level.INFO, "netinvert kernels: " + describe(k) + " ("
                + (mode.equals("simd") ? "forced by -D" + IMPL_PROPERTY + "=simd" : "Vector API present, C2 active") + ")");
        return true;
    }

    static String describe(KernelSupport k) {
        return k.name() + ", " + k.vectorBitSize() + "-bit vectors"
                + (k.name().equals("simd") ? " (" + k.vectorBitSize() / Float.SIZE + " floats)" : "")
                + ", FMA " + (k.usesFma() ? "on" : "off");
    }
}
