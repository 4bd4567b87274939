package dev.netinvert.kernels;

import dev.netinvert.kernels.scalar.ScalarKernelProvider;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import javax.management.ObjectName;

/**
 * The kernel implementation of this JVM, chosen once for every kernel family together (the shape of
 * Apache Lucene's {@code VectorizationProvider}): the SIMD provider ({@code simd.SimdKernelProvider})
 * when the module {@code jdk.incubator.vector} is present, C2 is active and the CPU has fused
 * multiply-add, otherwise the scalar one ({@code scalar.ScalarKernelProvider}) over the same segments.
 * A provider hands out one instance of each family — {@link #kernelSupport()} (BLAS and fused),
 * {@link #proxSupport()} (activations), {@link #stencilSupport()} (∇, div, TV) and {@link #convSupport()}
 * (convolution, pooling) — so the families are
 * all SIMD or all scalar: if any SIMD family fails to load, the SIMD provider fails to construct and
 * every family is scalar.
 *
 * <p>The decision is held in one {@code static final} ({@link #getInstance()}). Each facade
 * ({@link Blas}, {@link Fused}, {@link Prox}, {@link TotalVariation}) copies its family into its own
 * {@code static final} field, so that C2 sees one constant implementation at every call site
 * (DESIGN.md decision 4); {@code Blas.active()}, {@code Prox.active()} and {@code TotalVariation.active()}
 * return it ({@link Fused} uses the family of {@link Blas}).
 *
 * <p>System properties:
 * <ul>
 *   <li>{@code netinvert.kernels=auto|simd|scalar} (default {@code auto}): force an implementation;
 *       {@code simd} when the Vector API is unavailable logs a warning and falls back to scalar.</li>
 *   <li>{@code netinvert.vector.bits=128|256|512}: narrow the vector width (never wider than the
 *       CPU's preferred width; a wider request is clamped with a warning).</li>
 * </ul>
 *
 * <p>Exactly two subclasses exist (the constructor refuses any other): a sealed class cannot name
 * subclasses in other packages outside a named module, and the SIMD one must live apart so that nothing
 * touches {@code jdk.incubator.vector} before the module check.
 */
public abstract class KernelProvider {

    public static final String IMPL_PROPERTY = "netinvert.kernels";
    public static final String BITS_PROPERTY = "netinvert.vector.bits";

    private static final String SCALAR_CLASS = "dev.netinvert.kernels.scalar.ScalarKernelProvider";
    private static final String SIMD_CLASS = "dev.netinvert.kernels.simd.SimdKernelProvider";
    private static final System.Logger LOG = System.getLogger("dev.netinvert.kernels");

    private final String name;
    private final KernelSupport kernels;
    private final ProxSupport prox;
    private final StencilSupport stencils;
    private final ConvSupport convs;

    /** Takes one instance of each family of one implementation; only the scalar and the SIMD provider call it. */
    protected KernelProvider(String name, KernelSupport kernels, ProxSupport prox, StencilSupport stencils,
                             ConvSupport convs) {
        String self = getClass().getName();
        if (!self.equals(SCALAR_CLASS) && !self.equals(SIMD_CLASS)) {
            throw new UnsupportedOperationException("kernel providers are " + SCALAR_CLASS + " and " + SIMD_CLASS
                    + ", not " + self);
        }
        this.name = name;
        this.kernels = kernels;
        this.prox = prox;
        this.stencils = stencils;
        this.convs = convs;
    }

    /** {@code "simd"} or {@code "scalar"}, as each family's {@code name()}. */
    public final String name() {
        return name;
    }

    /** The BLAS and fused kernels. */
    public final KernelSupport kernelSupport() {
        return kernels;
    }

    /** The activation kernels: σ, prox, σ′, and the sums Ψ, Φ*, B_Ψ. */
    public final ProxSupport proxSupport() {
        return prox;
    }

    /** The stencil kernels: ∇, div, TV and the PDHG steps. */
    public final StencilSupport stencilSupport() {
        return stencils;
    }

    /** The convolution and pooling kernels. */
    public final ConvSupport convSupport() {
        return convs;
    }

    /** One line: implementation, vector width, FMA — for logs and reports. */
    public final String describe() {
        KernelSupport k = kernelSupport();
        return name() + ", " + k.vectorBitSize() + "-bit vectors"
                + (name().equals("simd") ? " (" + k.vectorBitSize() / Float.SIZE + " floats)" : "")
                + ", FMA " + (k.usesFma() ? "on" : "off");
    }

    /** The provider this JVM uses (decided and logged once). */
    public static KernelProvider getInstance() {
        return INSTANCE;
    }

    /** A fresh scalar provider (always available), for tests and benchmarks that run both side by side. */
    public static KernelProvider scalar() {
        return new ScalarKernelProvider();
    }

    /**
     * A fresh SIMD provider, or empty when the Vector API cannot be used here (whatever
     * {@code netinvert.kernels} says). Tests and benchmarks use this to pit both implementations against
     * each other in one JVM.
     */
    public static Optional<KernelProvider> simd() {
        if (simdUnavailableReason() != null) {
            return Optional.empty();
        }
        try {
            // Reflectively, and only after the module check: loading the class links the Vector API.
            return Optional.of((KernelProvider) Class.forName(SIMD_CLASS).getConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError | ClassCastException e) {
            LOG.log(System.Logger.Level.WARNING, "SIMD kernels " + SIMD_CLASS + " could not be loaded: " + e);
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

    // Last of the static fields: decide() reads LOG and the constants above.
    private static final KernelProvider INSTANCE = decide();

    private static KernelProvider decide() {
        String mode = System.getProperty(IMPL_PROPERTY, "auto").trim().toLowerCase(Locale.ROOT);
        if (!mode.equals("auto") && !mode.equals("simd") && !mode.equals("scalar")) {
            throw new IllegalArgumentException(
                    "system property " + IMPL_PROPERTY + " must be auto, simd or scalar, got '" + mode + "'");
        }
        if (mode.equals("scalar")) {
            LOG.log(System.Logger.Level.INFO, "netinvert kernels: scalar (forced by -D" + IMPL_PROPERTY + "=scalar)");
            return scalar();
        }
        String reason = simdUnavailableReason();
        Optional<KernelProvider> simd = reason == null ? simd() : Optional.empty();
        if (simd.isEmpty()) {
            String why = reason == null ? "SIMD kernels failed to load" : reason;
            LOG.log(mode.equals("simd") ? System.Logger.Level.WARNING : System.Logger.Level.INFO,
                    "netinvert kernels: scalar (" + why + ")");
            return scalar();
        }
        KernelProvider p = simd.get();
        int bitSize = p.kernelSupport().vectorBitSize();
        String bits = System.getProperty(BITS_PROPERTY);
        if (bits != null && bitSize != Integer.parseInt(bits.trim())) {
            LOG.log(System.Logger.Level.WARNING, "-D" + BITS_PROPERTY + "=" + bits.trim()
                    + " is wider than this CPU's preferred vector width; using " + bitSize + " bits");
        }
        LOG.log(System.Logger.Level.INFO, "netinvert kernels: " + p.describe() + " ("
                + (mode.equals("simd") ? "forced by -D" + IMPL_PROPERTY + "=simd" : "Vector API present, C2 active") + ")");
        if (!slicesInlined()) {
            String failure = addInlineDirective();
            if (failure == null) {
                LOG.log(System.Logger.Level.INFO, "netinvert kernels: this JVM was started without " + INLINE_SLICES
                        + "; added the compiler directive " + INLINE_DIRECTIVE + " instead (README, \"JVM flags\")");
            } else {
                LOG.log(System.Logger.Level.WARNING, "netinvert kernels: this JVM was started without "
                        + INLINE_SLICES + " (README, \"JVM flags\") and the equivalent compiler directive could not be"
                        + " added (" + failure + "): C2 may then decline to inline MemorySegment.asSlice in the"
                        + " short-row kernels, which would then allocate on every call and run up to 2x slower");
            }
        }
        return p;
    }

    /**
     * The HotSpot compiler directive ({@code jcmd Compiler.directives_add}) that does for the project's own
     * methods what the inline commands of {@link #INLINE_SLICES} do for the whole JVM: when C2 compiles a method of
     * {@code dev.netinvert}, it always inlines {@code asSlice} and {@code asSliceNoCheck}. Added at run time when
     * the JVM was started without the flags, so that a library user who does not pass them still gets kernels
     * that do not allocate. It changes nothing else (C1 and every other option keep their defaults) and only for
     * compilations rooted in this project; a user's own directives added later stack above it.
     */
    public static final String INLINE_DIRECTIVE = "[{ match: [\"dev/netinvert/*.*\"], c2: { inline: ["
            + "\"+jdk/internal/foreign/AbstractMemorySegmentImpl.asSlice\", "
            + "\"+jdk/internal/foreign/AbstractMemorySegmentImpl.asSliceNoCheck\"] } }]";

    /**
     * Adds {@link #INLINE_DIRECTIVE} through the platform's DiagnosticCommand MBean (the JSON goes through a
     * temporary file, deleted at once, because that is what {@code Compiler.directives_add} reads).
     *
     * @return null when the directive was added, otherwise why not
     */
    static String addInlineDirective() {
        Path file = null;
        try {
            file = Files.createTempFile("netinvert-directive", ".json");
            Files.writeString(file, INLINE_DIRECTIVE);
            ObjectName dcmd = new ObjectName("com.sun.management:type=DiagnosticCommand");
            Object out = ManagementFactory.getPlatformMBeanServer().invoke(dcmd, "compilerDirectivesAdd",
                    new Object[] {new String[] {file.toString()}}, new String[] {String[].class.getName()});
            String reply = String.valueOf(out).strip();
            return reply.startsWith("1 compiler directives added") ? null : "Compiler.directives_add said: " + reply;
        } catch (LinkageError | Exception e) { // no java.management, no DiagnosticCommand MBean, no temp dir
            return e.toString();
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a leftover temporary file of 200 bytes is no reason to fail
                }
            }
        }
    }

    /**
     * The JVM flags that make C2 always inline the JDK's {@code MemorySegment.asSlice} chain. The SIMD short-row
     * kernels slice W per row or per block of rows, so that each row costs one bounds check rather than one per
     * load (up to 1.8× faster at 100-1000 columns under AVX2); a slice is free only when C2 inlines that chain and
     * scalar-replaces the segment. C2 decides that inlining on the JDK's own call-site profile of
     * {@code asSlice}, which a busy warm-up can leave nearly empty ("low call site frequency"): in about one run
     * of three of a 16 × 16 lifted coordinate descent on a 2-core Zen 3 machine it declined, and every row then
     * allocated its slice for the rest of the run (1.3 GB/s of garbage, twice the time). With these flags, 14 runs
     * of 14 were clean. Every JVM the project starts (launcher, tests, benchmarks, Maven's exec) has them; in
     * other JVMs {@link #INLINE_DIRECTIVE} stands in for them.
     */
    public static final String INLINE_SLICES = "-XX:CompileCommand=quiet"
            + " -XX:CompileCommand=inline,jdk.internal.foreign.AbstractMemorySegmentImpl::asSlice"
            + " -XX:CompileCommand=inline,jdk.internal.foreign.AbstractMemorySegmentImpl::asSliceNoCheck";

    /**
     * The JVM flag that keeps C2 from hoisting a check out of a loop only because the profile says it never
     * failed. Such predicates failed again at every call of some solver methods, each time sending the method back
     * to the interpreter and C2 to compile it again: in one cold circle run on a 2-core Zen 3 (AVX2),
     * {@code PdhgEngine.certifiedGap} eleven times at 0.2-0.3 s of compiler time each, and C2 spent 5.9 s of a
     * 7 s run compiling; with the flag 3.1 s, and the run took 6.0-6.4 s instead of 6.9-7.4 s. Compiled kernels
     * ran the same within the host's noise (jmh/RESULTS.md, twelfth session). A warm-up matter only, so no
     * warning without it.
     *
     * <p><b>The cause, and why the library allocates only in shared arenas.</b> Every access to a
     * {@code MemorySegment} checks its session: {@code if (owner != null && owner != Thread.currentThread())
     * throw}, with {@code owner} set for a confined arena and null for a shared, automatic or global one. When
     * both kinds have passed through that JDK method, whose branch profile is one for the whole JVM, C2 hoists the
     * inner test out of a kernel's loop on the profile alone, and at the next loop over a shared segment the hoisted
     * test (null is not the current thread) fails at loop entry: a {@code profile_predicate} trap, back to the
     * interpreter, and another compile. In the circle run the only confined memory was the operator-norm scratch,
     * and with it shared the cycles were gone without the flag (thirteenth session). So every arena the library
     * opens is {@code Arena.ofShared()} ({@code SharedArenasTest} keeps it so), and callers who run without this
     * flag should allocate what they pass in shared, automatic or global arenas too (README, "JVM flags"); in such a
     * JVM, {@code ConfinedMemoryHint} says so, once, when confined memory becomes a vector or matrix. The
     * price is at the close: a shared arena's close synchronizes with every thread, about 0.1 ms on a 2-core
     * machine, once per solve.
     */
    public static final String STABLE_PREDICATES = "-XX:-UseProfiledLoopPredicate";

    /**
     * Every JIT flag the project's JVMs get ({@code ./netinvert}, the tests, the benchmarks, Maven's exec):
     * {@link #INLINE_SLICES} and {@link #STABLE_PREDICATES}, in that order (README, "JVM flags").
     */
    public static final String JVM_FLAGS = INLINE_SLICES + " " + STABLE_PREDICATES;

    /**
     * Whether the JVM's arguments include the inline commands of {@link #INLINE_SLICES} ({@code quiet} only keeps
     * HotSpot from echoing them); true when that cannot be told.
     */
    private static boolean slicesInlined() {
        try {
            List<String> args = ManagementFactory.getRuntimeMXBean().getInputArguments();
            return Arrays.stream(INLINE_SLICES.split(" ")).filter(f -> f.contains("=inline,")).allMatch(args::contains);
        } catch (LinkageError | RuntimeException e) { // no java.management in this runtime image
            return true;
        }
    }
}
