package dev.netinvert.solvers.cli;

import dev.netinvert.solvers.lifted.PdhgTv;
import picocli.CommandLine.Option;

/** {@code --alpha} and {@code --tv}, the total-variation term α·TV(x) of eq. (14) [000], shared as a picocli mixin. */
final class TvOptions {
    @Option(names = "--alpha", description = "TV weight alpha (default: the solver's, the paper's).")
    Double alpha;

    @Option(names = "--tv", description = "isotropic (default) or anisotropic total variation.")
    String tv;

    @Option(names = "--stop", paramLabel = "gap:EPS", description = "pdhg-tv: also stop when the certified primal-dual gap is "
            + "<= EPS * max(1, objective) (stop reason 'gap'); the gap is reported either way.")
    String stop;

    @Option(names = "--gap-radius", paramLabel = "R", description = "pdhg-tv: the certificate's box ||x||_inf <= R (default: the "
            + "solver's, 1, for images in [0, 1]; enlarged to the iterate's own max |x|).")
    Double gapRadius;

    /** Applies --stop and --gap-radius to a PDHG-TV builder. */
    void applyGap(PdhgTv.Options.Builder b) {
        OptionValues.ifGiven(gapRadius, b::gapRadius);
        if (stop != null) {
            String s = stop.trim().toLowerCase(java.util.Locale.ROOT);
            if (!s.startsWith("gap:")) {
                throw new IllegalArgumentException("--stop: expected gap:EPS (e.g. gap:1e-6), got '" + stop + "'");
            }
            double eps = OptionValues.number("--stop gap:EPS", s.substring(4));
            if (!(eps > 0) || Double.isInfinite(eps)) {
                throw new IllegalArgumentException("--stop gap:EPS: expected EPS finite and > 0, got " + s.substring(4));
            }
            b.gapStop(eps);
        }
    }

    /** The TV kind the user gave, or null for the solver's default. */
    PdhgTv.Tv kind() {
        return tv == null ? null : OptionValues.tv(tv);
    }
}
