package org.bind.examples;

import java.util.Locale;

import org.bind.Bind;
import org.bind.DoubleArray;
import org.bind.In;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.Shared;

/**
 * The 2-D heat equation on an {@code n × n} grid over {@code [-1, 1]²}, split into horizontal strips (tiles)
 * placed contiguously over the ranks. Density starts at 1 on the square {@code |x|, |y| < 0.5} and 0 elsewhere;
 * each step applies the 5-point Jacobi update {@code rho' = rho + fac·(north + south + east + west − 4·rho)} to
 * interior points, with {@code dr = 2/(n-1)}, {@code dt = dr²/(6D)}, {@code fac = dt·D/dr²}; the boundary stays 0.
 *
 * <p>Per step and tile, one op copies the tile's top and bottom rows into small edge arrays, and one op computes
 * the tile's next version from the tile and its neighbours' edges (double-buffered: it reads one array and writes
 * the other). Only edge rows travel between ranks. At the end, mass {@code Σ rho·dr²} and second moment
 * {@code Σ rho·(x² + y²)·dr²} are accumulated by a chain of per-tile ops in grid order, so the sums are added in
 * the order of a sequential loop over the grid: the result is the same, bit for bit, for any rank and tile count.
 *
 * <p>Options: {@code --n N} (default 128), {@code --steps S} (default 40), {@code --tiles T} (default 8; ranks
 * beyond the tile count stay idle). Prints, on rank 0, {@code mass 1.01581} and {@code second moment 0.178654}
 * for the defaults.
 */
public final class DiffusionExample {
    /** Diffusion coefficient D. */
    public static final double DIFFUSION = 1.0;

    private DiffusionExample() {
    }

    /** Grid points per side, time steps, and tiles (horizontal strips). */
    public record Params(int n, int steps, int tiles) {
        public static final int N_DEFAULT = 128;
        public static final int STEPS_DEFAULT = 40;
        public static final int TILES_DEFAULT = 8;
        /** Largest grid side: keeps a one-tile grid within one array. */
        public static final int N_MAX = 32_768;

        public Params {
            if (n < 3 || n > N_MAX) {
                throw new IllegalArgumentException("grid size " + n + " out of range [3, " + N_MAX + "]");
            }
            if (steps < 0) {
                throw new IllegalArgumentException("steps " + steps + " is negative");
            }
            if (tiles < 1 || tiles > n) {
                throw new IllegalArgumentException("tiles " + tiles + " out of range [1, " + n + "] for grid size "
                    + n);
            }
        }

        /** The defaults: 128 × 128, 40 steps, 8 tiles. */
        public static Params defaults() {
            return new Params(N_DEFAULT, STEPS_DEFAULT, TILES_DEFAULT);
        }

        /** Parses {@code --n N --steps S --tiles T} (each optional, any order). */
        public static Params parse(String... args) {
            int n = N_DEFAULT;
            int steps = STEPS_DEFAULT;
            int tiles = TILES_DEFAULT;
            for (int i = 0; i < args.length; i++) {
                String option = args[i];
                if (!option.equals("--n") && !option.equals("--steps") && !option.equals("--tiles")) {
                    throw new IllegalArgumentException("unknown option " + option
                        + "; expected --n N, --steps S, --tiles T");
                }
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException("option " + option + " needs a value");
                }
                int value = parseInt(option, args[++i]);
                switch (option) {
                    case "--n" -> n = value;
                    case "--steps" -> steps = value;
                    default -> tiles = value;
                }
            }
            return new Params(n, steps, tiles);
        }

        private static int parseInt(String option, String text) {
            try {
                return Integer.parseInt(text);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("option " + option + ": " + text + " is not an integer", e);
            }
        }
    }

    /** The integrals of the final density. */
    public record Moments(double mass, double secondMoment) {
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            Moments moments = run(bind, Params.parse(bind.args()));
            if (bind.rank() == 0) {
                System.out.println(format(moments));
            }
        }
    }

    /** {@code mass m} and {@code second moment s} on two lines, each with 6 significant digits. */
    public static String format(Moments moments) {
        return String.format(Locale.ROOT, "mass %.6g%nsecond moment %.6g", moments.mass(), moments.secondMoment());
    }

    /** Grid spacing {@code 2/(n-1)}. */
    public static double spacing(int n) {
        return 2.0 / (n - 1);
    }

    /** Jacobi factor {@code dt·D/dr²}, with {@code dt = dr²/(6D)}. */
    public static double factor(int n) {
        double dr = spacing(n);
        double dt = dr * dr / (6 * DIFFUSION);
        return dt * DIFFUSION / (dr * dr);
    }

    /** Runs the example. Program thread. Returns the final mass and second moment on every rank. */
    public static Moments run(Bind bind, Params params) {
        int n = params.n();
        int tiles = params.tiles();
        double fac = factor(n);
        int[] firstRow = new int[tiles + 1];
        int[] rankOf = new int[tiles];
        DoubleArray[] current = new DoubleArray[tiles];
        DoubleArray[] next = new DoubleArray[tiles];
        DoubleArray[] top = new DoubleArray[tiles];
        DoubleArray[] bottom = new DoubleArray[tiles];
        // Neighbour rows outside the grid: tile 0's first row and the last tile's last row are boundary rows,
        // which are never updated, so these zeros are passed but not read.
        DoubleArray outside = DoubleArray.of(n);
        for (int t = 0; t <= tiles; t++) {
            firstRow[t] = (int) ((long) t * n / tiles);
        }
        for (int t = 0; t < tiles; t++) {
            rankOf[t] = (int) ((long) t * bind.size() / tiles);
            int cells = (firstRow[t + 1] - firstRow[t]) * n;
            current[t] = DoubleArray.of(cells);
            next[t] = DoubleArray.of(cells);
            top[t] = DoubleArray.of(n);
            bottom[t] = DoubleArray.of(n);
            try (Scope s = bind.on(rankOf[t])) {
                initialise(current[t], firstRow[t], n);
            }
        }
        for (int step = 0; step < params.steps(); step++) {
            for (int t = 0; t < tiles; t++) {
                try (Scope s = bind.on(rankOf[t])) {
                    extractEdges(current[t], top[t], bottom[t]);
                }
            }
            for (int t = 0; t < tiles; t++) {
                DoubleArray above = t == 0 ? outside : bottom[t - 1];
                DoubleArray below = t == tiles - 1 ? outside : top[t + 1];
                try (Scope s = bind.on(rankOf[t])) {
                    relax(current[t], above, below, next[t], firstRow[t], n, fac);
                }
            }
            DoubleArray[] swap = current;
            current = next;
            next = swap;
        }
        DoubleArray sums = DoubleArray.of(2);
        for (int t = 0; t < tiles; t++) {
            try (Scope s = bind.on(rankOf[t])) {
                accumulateMoments(current[t], sums, firstRow[t], n);
            }
        }
        Shared<Moments> moments = Shared.of(new Moments(0, 0));
        try (Scope s = bind.on(rankOf[tiles - 1])) {
            publish(sums, moments);
        }
        bind.sync();
        return moments.get();
    }

    /** Density 1 where {@code |x| < 0.5} and {@code |y| < 0.5}, else 0; rows from {@code firstRow}. */
    @Op
    private static void initialise(@Out DoubleArray tile, int firstRow, int n) {
        double dr = spacing(n);
        double[] rho = tile.data();
        int rows = rho.length / n;
        for (int r = 0; r < rows; r++) {
            double y = -1 + (firstRow + r) * dr;
            for (int j = 0; j < n; j++) {
                double x = -1 + j * dr;
                rho[r * n + j] = Math.abs(x) < 0.5 && Math.abs(y) < 0.5 ? 1.0 : 0.0;
            }
        }
    }

    /** Copies the tile's first row into {@code top} and its last row into {@code bottom}. */
    @Op
    private static void extractEdges(@In DoubleArray tile, @Out DoubleArray top, @Out DoubleArray bottom) {
        double[] rho = tile.data();
        double[] first = top.data();
        int n = first.length;
        System.arraycopy(rho, 0, first, 0, n);
        System.arraycopy(rho, rho.length - n, bottom.data(), 0, n);
    }

    /**
     * One Jacobi step of a tile: {@code above} is the grid row just before the tile, {@code below} the one just
     * after it. Boundary rows and columns of the grid are written as 0.
     */
    @Op
    private static void relax(@In DoubleArray tile, @In DoubleArray above, @In DoubleArray below,
                              @Out DoubleArray next, int firstRow, int n, double fac) {
        double[] rho = tile.data();
        double[] out = next.data();
        int rows = rho.length / n;
        for (int r = 0; r < rows; r++) {
            int row = firstRow + r;
            int base = r * n;
            if (row == 0 || row == n - 1) {
                java.util.Arrays.fill(out, base, base + n, 0.0);
                continue;
            }
            double[] north = r == 0 ? above.data() : rho;
            int northBase = r == 0 ? 0 : base - n;
            double[] south = r == rows - 1 ? below.data() : rho;
            int southBase = r == rows - 1 ? 0 : base + n;
            out[base] = 0.0;
            for (int j = 1; j < n - 1; j++) {
                double centre = rho[base + j];
                out[base + j] = centre + fac * (north[northBase + j] + south[southBase + j]
                    + rho[base + j + 1] + rho[base + j - 1] - 4 * centre);
            }
            out[base + n - 1] = 0.0;
        }
    }

    /**
     * Adds the tile's share of mass ({@code sums[0]}) and second moment ({@code sums[1]}), point by point in
     * row-major order, to the running sums of the tiles before it.
     */
    @Op
    private static void accumulateMoments(@In DoubleArray tile, DoubleArray sums, int firstRow, int n) {
        double dr = spacing(n);
        double area = dr * dr;
        double[] rho = tile.data();
        double[] total = sums.data();
        double mass = total[0];
        double second = total[1];
        int rows = rho.length / n;
        for (int r = 0; r < rows; r++) {
            double y = -1 + (firstRow + r) * dr;
            for (int j = 0; j < n; j++) {
                double x = -1 + j * dr;
                double density = rho[r * n + j];
                mass += density * area;
                second += density * (x * x + y * y) * area;
            }
        }
        total[0] = mass;
        total[1] = second;
    }

    @Op
    private static void publish(@In DoubleArray sums, @Out Shared<Moments> moments) {
        double[] total = sums.data();
        moments.set(new Moments(total[0], total[1]));
    }
}
