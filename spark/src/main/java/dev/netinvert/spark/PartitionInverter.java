package dev.netinvert.spark;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.KernelProvider;
import dev.netinvert.solvers.network.Activations;
import dev.netinvert.solvers.network.Network;
import java.io.Serial;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The work of one partition, on its task thread: the executor's shared network ({@link ExecutorModels}),
 * one {@link RowSolver} and one observation buffer of n_L floats in a shared arena (as all the library's memory:
 * see {@link dev.netinvert.kernels.KernelProvider#STABLE_PREDICATES}), reused by every row; the arena is closed by
 * a task-completion listener. Rows are inverted lazily, one per {@code next()}, so a
 * partition never holds more than one observation and one result (one block of B on the lockstep path).
 *
 * <p>Input rows are (id, y) with y an {@code array<float>} or a float32 little-endian {@code binary}; the
 * bytes are copied into the buffer straight from the {@code byte[]} (no boxing). Each row is checked as the
 * command line checks a file — n_L values, finite unless allowed, inside the last activation's range — and
 * a bad row gives a result row with its {@code error} set and the rest null, or, with
 * {@link InversionOptions#failFast()}, fails the task.
 *
 * <p>For pdhg-tv, landweber, lifted-cd, gd and adam on a dense network ({@link RowSolver#lockstep()}) the partition's
 * workspace is the lockstep batched engine instead: valid rows are gathered B at a time
 * ({@link InversionOptions#batchSize()}) and each block is solved in lockstep ({@code Blocked}); the output
 * columns and their order are the same.
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
        Arena arena = Arena.ofShared();
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener(ctx -> {
                solver.close();
                arena.close(); // shared: any thread may close it
            });
        }
        if (solver.lockstep()) {
            return new Blocked(rows, task, solver, arena, net, impl, bits, executor);
        }
        FloatVec y = FloatVec.allocate(arena, net.outputSize());
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                boolean more = rows.hasNext();
                if (!more && task == null) {
                    endOutsideSpark(solver, arena);
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
                        return result(id, solver.solve(y), impl, bits, executor);
                    } catch (IllegalArgumentException e) {
                        bad = e.getMessage();
                    }
                }
                return error(id, bad, impl, bits, executor);
            }
        };
    }

    /** Outside Spark (a direct call) there is no listener, so the iterator's end closes the arena. */
    private static void endOutsideSpark(RowSolver solver, Arena arena) {
        solver.close();
        if (arena.scope().isAlive()) {
            arena.close();
        }
    }

    private static Row result(Object id, RowSolver.Outcome r, String impl, int bits, String executor) {
        return RowFactory.create(id, r.solution(), r.iterations(), r.stopReason(), r.residual(), r.residuals(), r.unique(),
                r.seconds(), impl, bits, executor, null);
    }

    /** The row of a bad observation, or, with {@link InversionOptions#failFast()}, the task's failure. */
    private Row error(Object id, String bad, String impl, int bits, String executor) {
        if (options.failFast()) {
            throw new IllegalArgumentException("observation id=" + id + ": " + bad);
        }
        return RowFactory.create(id, null, null, null, null, null, null, null, impl, bits, executor, bad);
    }

    /**
     * The lockstep path: the partition's rows are read in order into a B × n_L block (allocated once, in the
     * partition's arena) until it holds B valid rows or the input ends; bad rows get their error row and take
     * no slot. The block is solved in lockstep on the task thread, and the rows of this stretch of input are
     * emitted in input order before the next block is read, so a partition holds one block of observations
     * and its results (plus the error rows read meanwhile) at a time. Should the engine still refuse the block
     * (it should not: every row passed {@link RowSolver#checkForBlock}), its rows are solved one by one, so
     * each gets its own result or error.
     */
    private final class Blocked implements Iterator<Row> {
        private final Iterator<Row> rows;
        private final TaskContext task;
        private final RowSolver solver;
        private final Arena arena;
        private final Network net;
        private final String impl, executor;
        private final int bits;
        private final FloatMatrix block;
        private final ArrayDeque<Row> ready = new ArrayDeque<>();
        private final List<Object> ids = new ArrayList<>();
        private final List<String> errors = new ArrayList<>();

        Blocked(Iterator<Row> rows, TaskContext task, RowSolver solver, Arena arena, Network net, String impl, int bits,
                String executor) {
            this.rows = rows;
            this.task = task;
            this.solver = solver;
            this.arena = arena;
            this.net = net;
            this.impl = impl;
            this.bits = bits;
            this.executor = executor;
            this.block = FloatMatrix.allocate(arena, solver.batchSize(), net.outputSize());
        }

        @Override
        public boolean hasNext() {
            boolean more = !ready.isEmpty() || rows.hasNext();
            if (!more && task == null && arena.scope().isAlive()) {
                endOutsideSpark(solver, arena);
            }
            return more;
        }

        @Override
        public Row next() {
            if (ready.isEmpty()) {
                if (!rows.hasNext()) {
                    throw new NoSuchElementException();
                }
                fill();
            }
            return ready.removeFirst();
        }

        /** Reads rows until B are valid or the input ends, solves them as one block, queues every row's result. */
        private void fill() {
            ids.clear();
            errors.clear();
            int k = 0;
            while (k < block.rows() && rows.hasNext()) {
                Row in = rows.next();
                Object id = in.get(0);
                FloatVec y = block.row(k);
                String bad = read(in, y, net);
                if (bad == null) {
                    bad = solver.checkForBlock(y);
                }
                if (bad != null && options.failFast()) {
                    error(id, bad, impl, bits, executor); // throws
                }
                ids.add(id);
                errors.add(bad);
                if (bad == null) {
                    k++;
                }
            }
            List<RowSolver.Outcome> solved = List.of();
            if (k > 0) {
                try {
                    solved = solver.solve(block.rows(0, k));
                } catch (IllegalArgumentException e) {
                    LOG.log(System.Logger.Level.WARNING, "netinvert: lockstep block refused (" + e.getMessage()
                            + "); solving its rows one by one");
                    solved = null;
                }
            }
            int slot = 0;
            for (int i = 0; i < ids.size(); i++) {
                if (errors.get(i) != null) {
                    ready.addLast(error(ids.get(i), errors.get(i), impl, bits, executor));
                } else if (solved != null) {
                    ready.addLast(result(ids.get(i), solved.get(slot++), impl, bits, executor));
                } else {
                    Row r;
                    try {
                        r = result(ids.get(i), solver.solve(block.row(slot)), impl, bits, executor);
                    } catch (IllegalArgumentException e) {
                        r = error(ids.get(i), e.getMessage(), impl, bits, executor);
                    }
                    slot++;
                    ready.addLast(r);
                }
            }
        }
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
