package org.bind.bench;

import java.util.Arrays;
import java.util.Locale;

import org.bind.Bind;
import org.bind.examples.CholeskyExample;
import org.bind.examples.CholeskyExample.Check;
import org.bind.linalg.Cholesky;
import org.bind.linalg.TiledMatrix;
import org.bind.linalg.kernel.Kernels;

/**
 * One rank of {@link CholeskyBenchmark}: {@link Cholesky#factorInPlace} of the sample's symmetric positive definite
 * matrix ({@link CholeskyExample#spd}, the same on every rank), in place as LAPACK's {@code dpotrf} is, a warm-up
 * on a smaller matrix, then {@code reps} timed runs, each on a fresh tiled copy of the matrix (made before the
 * clock starts), from the first submitted op to the collective {@code sync()}. Rank 0 prints one line for the
 * launcher to read:
 * {@code cholesky-rank n=<n> tile=<t> ranks=<r> workers=<w> kernels=<k> seconds=<median> residual=<r>}, the
 * residual being the sample's relative {@code ‖A - L·Lᵀ‖ / ‖A‖} on sampled entries.
 *
 * <p>Arguments: {@code N TILE REPS}.
 */
public final class CholeskyRank {
    static final String LINE_PREFIX = "cholesky-rank ";
    private static final int WARM_UP_N_MAX = 2048;

    private CholeskyRank() {
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            String[] own = bind.args();
            if (own.length != 3) {
                throw new IllegalArgumentException("CholeskyRank needs N TILE REPS, got " + Arrays.toString(own));
            }
            run(bind, Integer.parseInt(own[0]), Integer.parseInt(own[1]), Integer.parseInt(own[2]));
        }
    }

    private static void run(Bind bind, int n, int tile, int reps) {
        int warmUpN = Math.min(n, Math.max(tile, WARM_UP_N_MAX));
        time(bind, TiledMatrix.of(CholeskyExample.spd(warmUpN, 3), warmUpN, tile), "warm-up, n=" + warmUpN
            + ", not counted");
        double[] a = CholeskyExample.spd(n, 1);
        Check check = Check.of(a, n, 2);
        double[] seconds = new double[reps];
        TiledMatrix factored = null;
        for (int rep = 0; rep < reps; rep++) {
            factored = null;
            TiledMatrix tiled = TiledMatrix.of(a, n, tile); // the factorization overwrites it: a fresh copy per run
            bind.sync();
            System.gc();
            seconds[rep] = time(bind, tiled, "");
            factored = tiled;
        }
        double residual = check.residual(factored);
        if (bind.rank() == 0) {
            System.out.printf(Locale.ROOT, "%sn=%d tile=%d ranks=%d workers=%d kernels=%s seconds=%.4f residual=%.3e%n",
                LINE_PREFIX, n, tile, bind.size(), bind.workers(), Kernels.active().name(),
                new Samples(seconds).median(), residual);
        }
    }

    /** Factors {@code matrix} in place, from the first submitted op to the collective {@code sync()}; seconds. */
    private static double time(Bind bind, TiledMatrix matrix, String note) {
        bind.sync();
        long start = System.nanoTime();
        Cholesky.factorInPlace(matrix);
        bind.sync();
        double seconds = (System.nanoTime() - start) / 1e9;
        report(bind, matrix.n(), seconds, note.isEmpty() ? "" : "; " + note);
        return seconds;
    }

    private static void report(Bind bind, int n, double seconds, String note) {
        if (bind.rank() == 0) {
            System.out.printf(Locale.ROOT, "  bind cholesky, %d rank(s) x %d worker(s)  %8.3f s  %7.1f GFLOPS%s%n",
                bind.size(), bind.workers(), seconds, n * (double) n * n / 3 / seconds / 1e9, note);
        }
    }
}
