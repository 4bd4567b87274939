package dev.netinvert.solvers.batch;

import dev.netinvert.kernels.Activation;
import dev.netinvert.kernels.Blas;
import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.kernels.PackedMatrix;
import dev.netinvert.kernels.GradientField;
import dev.netinvert.kernels.Image;
import dev.netinvert.kernels.TotalVariation;
import dev.netinvert.solvers.lifted.PdhgEngine;
import dev.netinvert.solvers.network.DenseLayer;
import java.lang.foreign.Arena;

/**
 * The state and one lockstep step of PDHG-TV, eq. (14) [000], for up to {@code capacity} observations at
 * once: the batch counterpart of {@link PdhgEngine}. Slot s (a row of every matrix here) holds one
 * observation's x, z and target; the first {@link #active()} slots iterate, the others are frozen. Each
 * step makes one pass over W for all active slots ({@link LockstepGradient}: two GEMMs) and then the fused
 * primal and dual stencil steps slot by slot, exactly the kernels of the single solver.
 *
 * <p>Stopped observations are moved behind the active ones ({@link #freeze}): a row swap of x, z and t,
 * O(n) once per observation, against the 4·m·n flops per iteration that a frozen but still multiplied
 * row would cost — so compaction always pays, and it is done at once. The workspace is allocated in the
 * constructor; {@link #step} and {@link #freeze} allocate nothing.
 */
public final class LockstepPdhgEngine {
    final Activation sigma;
    final boolean isotropic;
    final float alpha, tauX, tauZ;
    final LockstepGradient gradient;
    private final int capacity;
    private FloatMatrix x, xNew;
    private FloatMatrix[] xP, xNewP;
    private Image[] xImg, xNewImg;
    private final FloatMatrix g, t, z1, z2;
    private final FloatMatrix[] gP;
    final FloatVec[] gRows, tRows;
    final GradientField[] z;
    /** Scratch of the gap and of row swaps. */
    private final GradientField gradX;
    private final Image divZ;
    private final FloatVec tmp;
    /** slot → the observation it holds (an index into the rows given to {@link #load}). */
    final int[] observation;
    /** ‖x⁺ − x‖², ‖z⁺ − z‖² of each slot's last step. */
    final double[] dx2, dz2, r2Before;
    private int active;

    /**
     * @param arena    where the workspace lives (any thread-confinement: one thread drives a block)
     * @param layer    the perceptron σ(Wx + b), W {@code m × n} with n = c·h·w
     * @param capacity the number of observations of this block
     */
    public LockstepPdhgEngine(Arena arena, DenseLayer layer, int capacity, int c, int h, int w, boolean isotropic,
                              float alpha, float tauX, float tauZ) {
        this(arena, layer, LockstepGradient.packFor(arena, layer.weight(), capacity), capacity, c, h, w, isotropic,
                alpha, tauX, tauZ);
    }

    /**
     * As above, with the layer's W as the caller packed it (or not), e.g. once for all the blocks of a solve
     * ({@link LockstepGradient#packFor}).
     *
     * @param weight the layer's W, packed by {@link dev.netinvert.kernels.Blas#pack} or {@link PackedMatrix#unpacked}
     */
    public LockstepPdhgEngine(Arena arena, DenseLayer layer, PackedMatrix weight, int capacity, int c, int h, int w,
                              boolean isotropic, float alpha, float tauX, float tauZ) {
        if (!weight.matrix().equals(layer.weight())) {
            throw new IllegalArgumentException("weight: expected the layer's W (" + layer.weight() + "), got "
                    + weight.matrix());
        }
        this.sigma = layer.activation();
        this.isotropic = isotropic;
        this.alpha = alpha;
        this.tauX = tauX;
        this.tauZ = tauZ;
        this.capacity = capacity;
        int n = layer.weight().cols(), m = layer.weight().rows();
        if ((long) c * h * w != n) {
            throw new IllegalArgumentException("image shape " + c + "×" + h + "×" + w + " has " + (long) c * h * w
                    + " pixels but W has " + n + " columns");
        }
        gradient = new LockstepGradient(arena, sigma, weight, layer.bias(), capacity);
        // Rows start on cache lines (padded ld) for the GEMMs; each row view still has exactly n elements.
        x = FloatMatrix.allocatePadded(arena, capacity, n);
        xNew = FloatMatrix.allocatePadded(arena, capacity, n);
        g = FloatMatrix.allocatePadded(arena, capacity, n);
        z1 = FloatMatrix.allocatePadded(arena, capacity, n);
        z2 = FloatMatrix.allocatePadded(arena, capacity, n);
        t = FloatMatrix.allocatePadded(arena, capacity, m);
        xP = Rows.prefixes(x);
        xNewP = Rows.prefixes(xNew);
        gP = Rows.prefixes(g);
        xImg = images(x, c, h, w);
        xNewImg = images(xNew, c, h, w);
        gRows = Rows.of(g);
        tRows = Rows.of(t);
        FloatVec[] d1 = Rows.of(z1), d2 = Rows.of(z2);
        z = new GradientField[capacity];
        for (int s = 0; s < capacity; s++) {
            z[s] = new GradientField(d1[s], d2[s], c, h, w);
        }
        gradX = GradientField.allocate(arena, c, h, w);
        divZ = Image.allocate(arena, c, h, w);
        tmp = FloatVec.allocate(arena, Math.max(n, m));
        observation = new int[capacity];
        dx2 = new double[capacity];
        dz2 = new double[capacity];
        r2Before = new double[capacity];
    }

    private static Image[] images(FloatMatrix m, int c, int h, int w) {
        FloatVec[] rows = Rows.of(m);
        Image[] im = new Image[rows.length];
        for (int s = 0; s < rows.length; s++) {
            im[s] = new Image(rows[s], c, h, w);
        }
        return im;
    }

    /**
     * Starts from x = z = 0 for the targets {@code observations} ({@code capacity × m}, slot s = row s):
     * every slot active.
     */
    public void load(FloatMatrix observations) {
        if (observations.rows() != capacity || observations.cols() != t.cols()) {
            throw new IllegalArgumentException("observations: expected " + capacity + "×" + t.cols()
                    + " (capacity × W.rows), got " + observations.rows() + "×" + observations.cols());
        }
        for (int s = 0; s < capacity; s++) {
            Rows.copy(observations, s, t, s);
        }
        start();
    }

    /**
     * Starts from x = z = 0 with every slot active, without targets: for a caller that passes its own to
     * {@link #step(FloatVec[])} (the x₀-step of {@link LockstepLiftedCoordinateDescent}, whose target x₁ changes
     * every outer iteration).
     */
    void start() {
        for (int s = 0; s < capacity; s++) {
            Blas.fill(xImg[s].values(), 0f);
            Blas.fill(xNewImg[s].values(), 0f);
            Blas.fill(z[s].d1(), 0f);
            Blas.fill(z[s].d2(), 0f);
            observation[s] = s;
            dx2[s] = dz2[s] = r2Before[s] = Double.NaN;
        }
        active = capacity;
    }

    /** Number of slots that iterate (the first ones). */
    public int active() {
        return active;
    }

    public int capacity() {
        return capacity;
    }

    /** The observation held by slot s. */
    public int observation(int s) {
        return observation[s];
    }

    /** The current x of slot s (a view, valid until the next step or freeze). */
    public Image x(int s) {
        return xImg[s];
    }

    /** The current x of the first {@code a} slots, {@code a × n} (a view, valid until the next step). */
    FloatMatrix xRows(int a) {
        return xP[a];
    }

    /** ‖x⁺ − x‖² of slot s's last step. */
    public double primalChangeSquared(int s) {
        return dx2[s];
    }

    /** ‖z⁺ − z‖² of slot s's last step. */
    public double dualChangeSquared(int s) {
        return dz2[s];
    }

    /**
     * One iteration of eq. (14) [000] for every active slot:
     * <pre>
     *   X⁺ = X − τx·((σ(X·Wᵀ + b) − T)·W − α·div Z)     (14a), the data term for all slots in two GEMMs
     *   z_s⁺ = proj_{‖·‖≤1}(z_s + τz·α·∇(2x_s⁺ − x_s))   (14b), per slot
     * </pre>
     * Afterwards {@link LockstepGradient#pre} holds Wx + b at the x before the step and {@link #r2Before} the
     * residual there; a slot whose step was not finite keeps its last finite x.
     */
    public void step() {
        step(tRows);
    }

    /**
     * {@link #step()} against the targets {@code targets[s]} (W.rows values each, at least {@link #active()} of
     * them) instead of the loaded ones; the caller keeps its targets in slot order (it swaps them as
     * {@link #freeze} swaps the slots).
     */
    void step(FloatVec[] targets) {
        int a = active;
        gradient.compute(xP[a], targets, gP[a]);
        for (int s = 0; s < a; s++) {
            r2Before[s] = gradient.residualSquared(s);
            dx2[s] = TotalVariation.primalStep(xImg[s], gRows[s], z[s], tauX, alpha, xNewImg[s]);
            dz2[s] = isotropic ? TotalVariation.dualStepIsotropic(xNewImg[s], xImg[s], z[s], tauZ, alpha)
                               : TotalVariation.dualStepAnisotropic(xNewImg[s], xImg[s], z[s], tauZ, alpha);
        }
        FloatMatrix sm = x;
        x = xNew;
        xNew = sm;
        FloatMatrix[] sp = xP;
        xP = xNewP;
        xNewP = sp;
        Image[] si = xImg;
        xImg = xNewImg;
        xNewImg = si;
        for (int s = 0; s < a; s++) {
            if (!(Double.isFinite(dx2[s]) && Double.isFinite(dz2[s]))) {
                Blas.copy(xNewImg[s].values(), xImg[s].values()); // keep the last finite iterate
            }
        }
    }

    /** Recomputes PRE, G and r² at the current x of the active slots (one pass over W for all of them). */
    void refresh() {
        refresh(active);
    }

    /** As {@link #refresh()} for the first {@code a} slots (a = capacity: every observation, frozen ones too). */
    void refresh(int a) {
        gradient.compute(xP[a], tRows, gP[a]);
    }

    /** α·TV(x_s). */
    double regulariser(int s) {
        return alpha * (isotropic ? TotalVariation.isotropic(xImg[s]) : TotalVariation.anisotropic(xImg[s]));
    }

    /** The certified gap of slot s ({@link PdhgEngine#certifiedGap}); needs a {@link #refresh} at the current x. */
    double gap(int s, double radius) {
        return PdhgEngine.certifiedGap(xImg[s], z[s], gRows[s], alpha, isotropic, radius, gradX, divZ);
    }

    /**
     * Moves active slot s behind the active ones (swapping it with the last active slot) and shrinks the
     * active set by one. Call it for slots in decreasing order within one iteration, so that the slot moved
     * into s has already been looked at.
     */
    public void freeze(int s) {
        int last = active - 1;
        Rows.swap(x, s, last, tmp);
        Rows.swap(z1, s, last, tmp);
        Rows.swap(z2, s, last, tmp);
        Rows.swap(t, s, last, tmp);
        Rows.copy(x, last, xNew, last); // frozen x survives the x/x⁺ exchange of later steps
        Rows.swap(observation, s, last);
        Rows.swap(dx2, s, last);
        Rows.swap(dz2, s, last);
        Rows.swap(r2Before, s, last);
        active = last;
    }
}
