package org.bind.examples;

import java.util.Locale;
import java.util.Random;
import java.util.SplittableRandom;

import org.bind.Bind;
import org.bind.linalg.Cholesky;
import org.bind.linalg.TiledMatrix;
import org.bind.linalg.kernel.Kernels;

/**
 * The tiled Cholesky factorization {@code A = L·Lᵀ} of a random symmetric positive definite {@code n × n} matrix
 * (the same on every rank, from a fixed seed), on any number of ranks
 * ({@code bin/bindrun --example cholesky -np 2 -- --n 4096 --tile 512}). Prints, on rank 0, the set-up, the time,
 * GFLOPS ({@code n³/3} flops) and the relative residual {@code ‖A - L·Lᵀ‖ / ‖A‖} over {@value #SAMPLES} sampled
 * entries of the lower triangle, each {@code (L·Lᵀ)(i, j)} recomputed from rows {@code i} and {@code j} of L.
 * Options: {@code --n N} (default 2048), {@code --tile T} (default 256; it need not divide N).
 */
public final class CholeskyExample {
    /** Entries of {@code A - L·Lᵀ} checked. */
    public static final int SAMPLES = 64;

    private CholeskyExample() {
    }

    /** Matrix side and tile side (the last tile may be ragged). */
    public record Params(int n, int tile) {
        public static final int N_DEFAULT = 2048;
        public static final int TILE_DEFAULT = 256;

        public Params {
            if (n < 1 || n > TiledMatrix.N_MAX) {
                throw new IllegalArgumentException("matrix size " + n + " out of range [1, " + TiledMatrix.N_MAX + "]");
            }
            if (tile < 1 || tile > n) {
                throw new IllegalArgumentException("tile size " + tile + " out of range [1, n = " + n + "]");
            }
        }

        /** Parses {@code --n N --tile T} (each optional, any order); the tile defaults to {@code min(256, n)}. */
        public static Params parse(String... args) {
            SizeAndTile given = SizeAndTile.parse(N_DEFAULT, args);
            int n = given.n();
            int tile = given.tile();
            return new Params(n, tile == 0 ? Math.min(TILE_DEFAULT, n) : tile);
        }
    }

    /** One run: what the sample prints. */
    public record Result(int n, int tile, int ranks, int workers, double seconds, double residual) {
        /** {@code n³/3} floating-point operations per second, in billions. */
        public double gflops() {
            return n * (double) n * n / 3 / seconds / 1e9;
        }

        /** Two lines: the set-up, then time, GFLOPS and residual. */
        public String format() {
            return String.format(Locale.ROOT, "cholesky: n=%d tile=%d ranks=%d workers=%d kernels=%s%n"
                    + "time %.3f s, %.2f GFLOPS, residual %.2e (relative, %d sampled entries)", n, tile, ranks, workers,
                Kernels.active().name(), seconds, gflops(), residual, SAMPLES);
        }
    }

    /**
     * A symmetric positive definite {@code n × n} matrix, row-major (so also column-major): off the diagonal,
     * values uniform in [-1, 1); on it, {@code n} plus such a value, which makes it strictly diagonally dominant.
     */
    public static double[] spd(int n, long seed) {
        double[] a = new double[n * n];
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j <= i; j++) {
                double value = 2 * random.nextDouble() - 1 + (i == j ? n : 0);
                a[i * n + j] = value;
                a[j * n + i] = value;
            }
        }
        return a;
    }

    /** Sampled entries {@code (rows[e], cols[e])} of the lower triangle of A and their values. */
    public record Check(int[] rows, int[] cols, double[] values) {
        /** {@value #SAMPLES} entries of the lower triangle of the row-major {@code a}, picked from {@code seed}. */
        public static Check of(double[] a, int n, long seed) {
            Random pick = new Random(seed);
            int[] rows = new int[SAMPLES];
            int[] cols = new int[SAMPLES];
            double[] values = new double[SAMPLES];
            for (int e = 0; e < SAMPLES; e++) {
                int i = pick.nextInt(n);
                int j = e % 8 == 0 ? i : pick.nextInt(i + 1); // every eighth on the diagonal
                rows[e] = i;
                cols[e] = j;
                values[e] = a[i * n + j];
            }
            return new Check(rows, cols, values);
        }

        /**
         * {@code ‖A - L·Lᵀ‖ / ‖A‖} over the sampled entries: rows {@code i} and {@code j} of {@code l} up to column
         * {@code j} are gathered and their dot product is {@code (L·Lᵀ)(i, j)}. Collective.
         */
        public double residual(TiledMatrix l) {
            int total = 0;
            for (int e = 0; e < SAMPLES; e++) {
                total += 2 * (cols[e] + 1);
            }
            int[] entryRows = new int[total];
            int[] entryCols = new int[total];
            int at = 0;
            for (int e = 0; e < SAMPLES; e++) {
                for (int k = 0; k <= cols[e]; k++) {
                    entryRows[at] = rows[e];
                    entryCols[at++] = k;
                    entryRows[at] = cols[e];
                    entryCols[at++] = k;
                }
            }
            double[] entries = l.gatherEntries(entryRows, entryCols);
            double difference = 0;
            double norm = 0;
            at = 0;
            for (int e = 0; e < SAMPLES; e++) {
                double dot = 0;
                for (int k = 0; k <= cols[e]; k++) {
                    dot += entries[at] * entries[at + 1];
                    at += 2;
                }
                difference += (values[e] - dot) * (values[e] - dot);
                norm += values[e] * values[e];
            }
            return Math.sqrt(difference / norm);
        }
    }

    /** Factors the sample matrix. Program thread; every rank gets the same result. */
    public static Result run(Bind bind, Params params) {
        int n = params.n();
        double[] a = spd(n, 1);
        Check check = Check.of(a, n, 2);
        TiledMatrix tiled = TiledMatrix.of(a, n, params.tile());
        a = null;
        bind.sync();
        long start = System.nanoTime();
        TiledMatrix l = Cholesky.factor(tiled);
        bind.sync();
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Result(n, params.tile(), bind.size(), bind.workers(), seconds, check.residual(l));
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            Result result = run(bind, Params.parse(bind.args()));
            if (bind.rank() == 0) {
                System.out.println(result.format());
            }
        }
    }
}
