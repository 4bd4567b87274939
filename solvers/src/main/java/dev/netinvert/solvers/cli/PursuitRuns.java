package dev.netinvert.solvers.cli;

import dev.netinvert.kernels.FloatMatrix;
import dev.netinvert.kernels.FloatVec;
import dev.netinvert.solvers.StopReason;
import dev.netinvert.solvers.io.LoadOptions;
import dev.netinvert.solvers.io.Npy;
import dev.netinvert.solvers.io.Tensor;
import dev.netinvert.solvers.network.Network;
import dev.netinvert.solvers.pursuit.EpsilonRule;
import dev.netinvert.solvers.pursuit.InversionResult;
import dev.netinvert.solvers.pursuit.Stage;
import dev.netinvert.solvers.pursuit.Uniqueness;
import java.lang.foreign.Arena;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reading pursuit inputs (masks, observations, latents) and writing pursuit results as JSON: shared by
 * {@code invert --method latent-pursuit|layered-bp|oracle|gd|adam} and {@code diagnose}.
 */
final class PursuitRuns {
    private PursuitRuns() {}

    /** A mask file: 1-D .npy of n_L entries, 0 (unknown) or 1 (observed); validated by the solvers. */
    static FloatVec mask(Path file, Network net, Arena arena) throws Exception {
        if (file == null) {
            return null;
        }
        Tensor t = Npy.read(file, arena);
        if (t.rank() != 1 || t.dim(0) != net.outputSize()) {
            throw new IllegalArgumentException("--mask " + file + ": expected shape [" + net.outputSize()
                    + "] (the network's output size), got " + Arrays.toString(t.shape()));
        }
        return t.data();
    }

    /** Observations as rows (a 1-D file is one row); outside-domain values allowed where the mask hides them. */
    static FloatMatrix observations(Path file, Network net, Arena arena, LoadOptions load) throws Exception {
        Tensor t = Npy.read(file, arena);
        if (t.rank() == 1 && t.dim(0) == net.outputSize()) {
            FloatVec v = t.data();
            return FloatMatrix.wrap(v.segment(), v.byteOffset(), 1, v.length());
        }
        if (t.rank() == 2 && t.dim(1) == net.outputSize()) {
            return t.asMatrix();
        }
        throw new IllegalArgumentException("--observed " + file + ": expected shape [" + net.outputSize() + "] or [batch, "
                + net.outputSize() + "] (the network's output size), got " + Arrays.toString(t.shape()));
    }

    static Map<String, Object> json(InversionResult r) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("method", r.method());
        e.put("residual", Json.finite(r.residual()));
        e.put("iterations", r.totalIterations());
        e.put("stop_reason", r.stopReason().label());
        List<Object> stages = new ArrayList<>();
        for (Stage s : r.stages()) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("name", s.name());
            m.put("layer", s.layer());
            m.put("iterations", s.iterations());
            m.put("stop_reason", s.stopReason().label());
            m.put("residual", Json.finite(s.residual()));
            m.put("seconds", s.seconds());
            m.put("lambda", Json.finite(s.lambda()));
            m.put("warnings", s.warnings());
            stages.add(m);
        }
        e.put("stages", stages);
        List<Integer> card = new ArrayList<>();
        for (int[] s : r.supports()) {
            card.add(s.length);
        }
        e.put("cardinalities", card);
        if (r.uniqueness() != null) {
            e.put("uniqueness", uniqueness(r.uniqueness()));
        }
        e.put("seconds", r.seconds());
        return e;
    }

    /**
     * The ε-rule of Alg. 2 [002] as evaluated for one observation: ε, ℓ, the λ and the error bound ε_l of
     * each hidden layer x_1 … x_{L−1} (+∞ becomes null).
     */
    static Map<String, Object> json(EpsilonRule.Sequence q) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("noise_level", q.noiseLevel());
        m.put("ell", Json.finite(q.ell()));
        List<Object> lambdas = new ArrayList<>(), eps = new ArrayList<>();
        for (int l = 0; l < q.lambdas().length; l++) {
            lambdas.add(Json.finite(q.lambdas()[l]));
            eps.add(Json.finite(q.epsilons()[l]));
        }
        m.put("lambdas", lambdas);
        m.put("epsilons", eps);
        return m;
    }

    static Map<String, Object> uniqueness(Uniqueness u) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("holds", u.holds());
        m.put("n0", u.n0());
        m.put("observed", u.observed());
        List<Object> cs = new ArrayList<>();
        for (Uniqueness.Condition c : u.conditions()) {
            Map<String, Object> cm = new LinkedHashMap<>();
            cm.put("name", c.name());
            cm.put("text", c.text());
            cm.put("holds", c.holds());
            cs.add(cm);
        }
        m.put("conditions", cs);
        return m;
    }

    /** Whether any run diverged (exit code 3, as for the lifted methods). */
    static boolean diverged(List<InversionResult> results) {
        return results.stream().anyMatch(r -> r.stopReason() == StopReason.DIVERGED);
    }

    /** The supports of G(z) for the Oracle, from a file of true latent vectors (one row per observation). */
    static FloatMatrix latents(Path file, Network net, int rows, Arena arena) throws Exception {
        Tensor t = Npy.read(file, arena);
        if (t.rank() == 1 && t.dim(0) == net.inputSize() && rows == 1) {
            FloatVec v = t.data();
            return FloatMatrix.wrap(v.segment(), v.byteOffset(), 1, v.length());
        }
        if (t.rank() == 2 && t.dim(0) == rows && t.dim(1) == net.inputSize()) {
            return t.asMatrix();
        }
        throw new IllegalArgumentException("--latent " + file + ": expected shape " + (rows == 1 ? "[" + net.inputSize() + "] or " : "")
                + "[" + rows + ", " + net.inputSize() + "] (one latent of size n_0 per observation), got "
                + Arrays.toString(t.shape()));
    }
}
