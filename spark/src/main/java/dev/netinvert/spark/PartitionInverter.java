package dev.netinvert.spark;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.solvers.network.Activations;
import dev.netinvert.solvers.network.Network;
import java.io.Serial;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The work of one partition, on its task thread: the executor's shared network ({@link ExecutorModels}),
 * one {@link RowSolver} and one observation buffer of n_L floats in a confined arena, reused by every row;
 * the arena is closed by a task-completion listener, which Spark runs on the task thread (a confined arena
 * may be touched by its owner thread only). Rows are inverted lazily, one per {@code next()}, so a
 * partition never holds more than one observation and one result.
 *
 * <p>Input rows are (id, y) with y an {@code array<float>} or a float32 little-endian {@code binary}; the
 * bytes are copied into the buffer straight from the {@code byte[]} (no boxing). Each row is checked as the
 * command line checks a file — n_L values, finite unless allowed, inside the last activation's range — and
 * a bad row gives a result row with its {@code error} set and the rest null, or, with
 * {@link InversionOptions#failFast()}, fails the task.
 */
final class PartitionInverter implements MapPartitionsFunction<Row, Row> {

    @Serial
    private static final long serialVersionUID = 1L;

    private static final System.Logger LOG = System.getLogger("dev.netinvert.spark");

    /** The wire layout of a {@code binary} observation: float32, little-endian, packed. */
    private static final ValueLayout.OfFloat BINARY_FLOAT =
            ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final String modelPath;
    private final boolean shipped;
    private final String method;
    private final InversionOptions options;
    private final boolean binary;

    PartitionInverter(String modelPath, boolean shipped, String method, InversionOptions options, boolean binary) {
        this.modelPath = modelPath;
        this.shipped = shipped;
        this.method = method;
        this.options = options;
        this.binary = binary;
    }

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        KernelProvider kernels = KernelProvider.getInstance();
        String impl = kernels.name();
        int bits = kernels.kernelSupport().vectorBitSize();
        String executor = ExecutorModels.executor();
        if (!impl.equals("simd")) {
            String why = "executor " + executor + " runs the " + impl + " kernels (" + KernelProvider.simdUnavailableReason()
                    + "); give the executors --add-modules jdk.incubator.vector (Spark 4.2 does by default) on a JDK >= 25";
            if (options.requireSimd()) {
                throw new IllegalStateException("requireSimd: " + why);
            }
            LOG.log(System.Logger.Level.WARNING, "netinvert: " + why);
        }
        Network net = ExecutorModels.get(modelPath, shipped, options.allowNonFinite());
        RowSolver solver = new RowSolver(method, net, options);
        Arena arena = Arena.ofConfined();
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener(ctx -> {
                solver.close();
                try {
                    arena.close();
                } catch (WrongThreadException e) {
                    // Spark runs completion listeners on the task thread; should one ever run elsewhere, the
                    // buffer (n_L floats) is left to the JVM's end rather than failing a finished task.
                    LOG.log(System.Logger.Level.WARNING, "netinvert: partition buffer not freed: " + e.getMessage());
                }
            });
        }
        FloatVec y = FloatVec.allocate(arena, net.outputSize());
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                boolean more = rows.hasNext();
                if (!more && task == null) {
                    // Outside Spark (a direct call): no listener, so the iterator's end closes the arena.
                    solver.close();
                    if (arena.scope().isAlive()) {
                        arena.close();
                    }
                }
                return more;
            }

            @Override
            public Row next() {
                if (!rows.hasNext()) {
                    throw new NoSuchElementException();
                }
                Row in = rows.next();
                Object id = in.get(0);
                String bad = read(in, y, net);
                if (bad == null) {
                    try {
                        RowSolver.Outcome r = solver.solve(y);
                        return RowFactory.create(id, r.solution(), r.iterations(), r.stopReason(), r.residual(),
                                r.residuals(), r.unique(), r.seconds(), impl, bits, executor, null);
                    } catch (IllegalArgumentException e) {
                        bad = e.getMessage();
                    }
                }
                if (options.failFast()) {
                    throw new IllegalArgumentException("observation id=" + id + ": " + bad);
                }
                return RowFactory.create(id, null, null, null, null, null, null, null, impl, bits, executor, bad);
            }
        };
    }

    /** Copies row {@code in}'s y into {@code y} and checks it; the problem as text, or null. */
    private String read(Row in, FloatVec y, Network net) {
        int n = y.length();
        if (in.isNullAt(1)) {
            return "y is null";
        }
        if (binary) {
            byte[] b = (byte[]) in.get(1);
            if (b.length != (long) n * Float.BYTES) {
                return "y has " + b.length + " bytes, expected " + (long) n * Float.BYTES + " (" + n
                        + " float32 little-endian values, the network's output size)";
            }
            MemorySegment.copy(MemorySegment.ofArray(b), BINARY_FLOAT, 0, y.segment(), FloatVec.LAYOUT, y.byteOffset(), n);
        } else {
            Object v = in.get(1);
            String bad = copyArray(v, y);
            if (bad != null) {
                return bad;
            }
        }
        return check(y, net.lastActivation());
    }

    private static String copyArray(Object v, FloatVec y) {
        int n = y.length();
        if (v instanceof float[] a) {
            if (a.length != n) {
                return lengthMessage(a.length, n);
            }
            y.copyFrom(a);
            return null;
        }
        if (v instanceof scala.collection.immutable.ArraySeq.ofFloat s) {
            return copyArray(s.unsafeArray(), y);
        }
        if (v instanceof scala.collection.Seq<?> s) {
            if (s.length() != n) {
                return lengthMessage(s.length(), n);
            }
            scala.collection.Iterator<?> it = s.iterator();
            for (int i = 0; i < n; i++) {
                if (!(it.next() instanceof Float f)) {
                    return "y element " + i + " is null";
                }
                y.set(i, f);
            }
            return null;
        }
        if (v instanceof List<?> s) {
            if (s.size() != n) {
                return lengthMessage(s.size(), n);
            }
            for (int i = 0; i < n; i++) {
                if (!(s.get(i) instanceof Float f)) {
                    return "y element " + i + " is null";
                }
                y.set(i, f);
            }
            return null;
        }
        return "y: expected array<float> or binary, got " + v.getClass().getName();
    }

    private static String lengthMessage(int actual, int n) {
        return "y has " + actual + " elements, expected " + n + " (the network's output size)";
    }

    /** The command line's checks of an observation file, for one row (ObservationFiles). */
    private String check(FloatVec y, Activation last) {
        int n = y.length();
        long nonFinite = 0, outside = 0;
        int firstNonFinite = -1, firstOutside = -1;
        for (int i = 0; i < n; i++) {
            float v = y.get(i);
            if (!Float.isFinite(v)) {
                if (nonFinite++ == 0) {
                    firstNonFinite = i;
                }
            } else if (!Activations.inDomain(last, v) && outside++ == 0) {
                firstOutside = i;
            }
        }
        if (nonFinite > 0 && !options.allowNonFinite()) {
            return "y: expected finite values, found " + nonFinite + " NaN/Inf; the first is element " + firstNonFinite
                    + " = " + y.get(firstNonFinite) + " (InversionOptions.allowNonFinite accepts them)";
        }
        if (outside > 0) {
            return "y: " + outside + " of " + n + " values lie outside the domain of the last activation " + last.name()
                    + ": expected " + Activations.domainDescription(last) + ", but element " + firstOutside + " = "
                    + y.get(firstOutside);
        }
        return null;
    }
}
