package org.bind.examples;

import java.util.Locale;
import java.util.Random;
import java.util.function.BinaryOperator;

import org.bind.Bind;
import org.bind.linalg.TiledMatrix;
import org.bind.linalg.kernel.Kernels;

/**
 * What the {@code strassen} and {@code gemm} samples share: random {@code n × n} matrices A and B (the same on
 * every rank, from fixed seeds), their product through Bind, and its error against plain dot products on a
 * sample of entries.
 */
public final class MatrixProduct {
    /** Entries checked against the reference. */
    public static final int SAMPLES = 64;

    private MatrixProduct() {
    }

    /** Matrix side and tile side. */
    public record Params(int n, int tile) {
        public static final int N_DEFAULT = 1024;
        public static final int TILE_DEFAULT = 128;

        public Params {
            if (n < 1 || n > TiledMatrix.N_MAX) {
                throw new IllegalArgumentException("matrix size " + n + " out of range [1, " + TiledMatrix.N_MAX + "]");
            }
            if (tile < 1 || tile > n || n % tile != 0) {
                throw new IllegalArgumentException("tile size " + tile + " must divide the matrix size " + n);
            }
        }

        /**
         * Parses {@code --n N --tile T} (each optional, any order); the tile defaults to 128, or to {@code n} when
         * 128 does not divide {@code n}.
         */
        public static Params parse(String... args) {
            SizeAndTile given = SizeAndTile.parse(N_DEFAULT, args);
            int n = given.n();
            int tile = given.tile();
            if (tile == 0) {
                tile = n % TILE_DEFAULT == 0 ? TILE_DEFAULT : n;
            }
            return new Params(n, tile);
        }
    }

    /** One run: what the sample prints. */
    public record Result(String algorithm, int n, int tile, int ranks, int workers, double seconds, double error) {
        /** {@code 2n³} floating-point operations per second, in billions (the classic count, for both). */
        public double gflops() {
            return 2.0 * n * n * (double) n / seconds / 1e9;
        }

        /** Two lines: the set-up, then time, GFLOPS and error. */
        public String format() {
            return String.format(Locale.ROOT, "%s: n=%d tile=%d ranks=%d workers=%d kernels=%s%n"
                    + "time %.3f s, %.2f GFLOPS, error %.2e (relative, %d sampled entries)", algorithm, n, tile, ranks,
                workers, Kernels.active().name(), seconds, gflops(), error, SAMPLES);
        }
    }

    /** Runs {@code multiply} on the sample matrices. Program thread; every rank gets the same result. */
    public static Result run(Bind bind, String algorithm, Params params, BinaryOperator<TiledMatrix> multiply) {
        int n = params.n();
        double[] a = random(n, 1);
        double[] b = random(n, 2);
        Random pick = new Random(3);
        int[] rows = new int[SAMPLES];
        int[] cols = new int[SAMPLES];
        double[] expected = new double[SAMPLES];
        for (int e = 0; e < SAMPLES; e++) {
            rows[e] = pick.nextInt(n);
            cols[e] = pick.nextInt(n);
            double sum = 0;
            for (int k = 0; k < n; k++) {
                sum += a[rows[e] * n + k] * b[k * n + cols[e]];
            }
            expected[e] = sum;
        }
        TiledMatrix ta = TiledMatrix.of(a, n, params.tile());
        TiledMatrix tb = TiledMatrix.of(b, n, params.tile());
        bind.sync();
        long start = System.nanoTime();
        TiledMatrix c = multiply.apply(ta, tb);
        bind.sync();
        double seconds = (System.nanoTime() - start) / 1e9;
        double[] actual = c.gatherEntries(rows, cols);
        double difference = 0;
        double norm = 0;
        for (int e = 0; e < SAMPLES; e++) {
            difference += (actual[e] - expected[e]) * (actual[e] - expected[e]);
            norm += expected[e] * expected[e];
        }
        return new Result(algorithm, n, params.tile(), bind.size(), bind.workers(), seconds,
            Math.sqrt(difference / norm));
    }

    /** An {@code n × n} row-major matrix of values uniform in [-1, 1) from {@code seed}. */
    public static double[] random(int n, long seed) {
        Random random = new Random(seed);
        double[] values = new double[n * n];
        for (int i = 0; i < values.length; i++) {
            values[i] = 2 * random.nextDouble() - 1;
        }
        return values;
    }

    /** Runs the sample named {@code algorithm} with the program's arguments; prints the result on rank 0. */
    static void main(String algorithm, BinaryOperator<TiledMatrix> multiply, String[] args) {
        try (Bind bind = Bind.init(args)) {
            Result result = run(bind, algorithm, Params.parse(bind.args()), multiply);
            if (bind.rank() == 0) {
                System.out.println(result.format());
            }
        }
    }
}
