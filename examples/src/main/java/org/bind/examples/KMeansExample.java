package org.bind.examples;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

import org.bind.Bind;
import org.bind.DoubleArray;
import org.bind.In;
import org.bind.Op;
import org.bind.Out;

/**
 * Lloyd's k-means on 2-D points spread over the ranks in parts. Each part's points are generated (seeded per
 * part) by an op on the part's rank and never move. Every iteration, one op per part assigns its points to the
 * nearest centroid and writes the part's partial sums (per cluster: sum of x, sum of y, count); the partial sums
 * are added along a binary tree of ops over the parts, each op taking the array of the (one or two) parts it adds
 * and running on the rank of its first part; the root's op turns the totals into the new centroids, and
 * {@code bind.replicate} makes them readable on every rank. The tree's shape depends only on the part count, so
 * the floating-point additions happen in the same order for any number of ranks: the centroids are the same, bit
 * for bit, and the program checks them against a plain sequential loop doing the same arithmetic.
 *
 * <p>Options: {@code --points N} (default 20000), {@code --parts P} (default 8), {@code --clusters K} (default 4),
 * {@code --iterations I} (default 10). Rank 0 prints the centroids and {@code check: ok} (or the mismatch).
 */
public final class KMeansExample {
    /** Seed of the points and the initial centroids. */
    public static final long SEED = 20_261_205L;
    /** Values per cluster in a partial sum: sum of x, sum of y, count. */
    static final int STRIDE = 3;

    private KMeansExample() {
    }

    /** Points, parts, clusters and iterations. */
    public record Params(int points, int parts, int clusters, int iterations) {
        public Params {
            if (parts < 1) {
                throw new IllegalArgumentException("parts " + parts + " must be at least 1");
            }
            if (points < parts) {
                throw new IllegalArgumentException("points " + points + " fewer than parts " + parts);
            }
            if (points > Integer.MAX_VALUE / 2) {
                throw new IllegalArgumentException("points " + points + " above " + Integer.MAX_VALUE / 2);
            }
            if (clusters < 1 || clusters > points) {
                throw new IllegalArgumentException("clusters " + clusters + " out of range [1, " + points + "]");
            }
            if (iterations < 0) {
                throw new IllegalArgumentException("iterations " + iterations + " is negative");
            }
        }

        /** The defaults: 20000 points in 8 parts, 4 clusters, 10 iterations. */
        public static Params defaults() {
            return new Params(20_000, 8, 4, 10);
        }

        /** Parses {@code --points N --parts P --clusters K --iterations I} (each optional, any order). */
        public static Params parse(String... args) {
            Params d = defaults();
            int[] values = {d.points(), d.parts(), d.clusters(), d.iterations()};
            List<String> names = List.of("--points", "--parts", "--clusters", "--iterations");
            for (int i = 0; i < args.length; i++) {
                int which = names.indexOf(args[i]);
                if (which < 0) {
                    throw new IllegalArgumentException("unknown option " + args[i]
                        + "; expected --points N, --parts P, --clusters K, --iterations I");
                }
                if (i + 1 == args.length) {
                    throw new IllegalArgumentException("option " + args[i] + " needs a value");
                }
                try {
                    values[which] = Integer.parseInt(args[++i]);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("option " + args[i - 1] + ": " + args[i]
                        + " is not an integer", e);
                }
            }
            return new Params(values[0], values[1], values[2], values[3]);
        }

        /** Points in part {@code p}: the first {@code points % parts} parts hold one more. */
        int pointsIn(int p) {
            return points / parts + (p < points % parts ? 1 : 0);
        }
    }

    /** The final centroids ({@code x0, y0, x1, y1, ...}), cluster sizes, and whether they match the sequential run. */
    public record Result(double[] centroids, long[] counts, boolean matchesSequential) {
    }

    public static void main(String[] args) {
        try (Bind bind = Bind.init(args)) {
            Params params = Params.parse(bind.args());
            Result result = run(bind, params);
            if (bind.rank() == 0) {
                System.out.print(format(params, bind.size(), result));
            }
        }
    }

    /** The lines rank 0 prints. */
    public static String format(Params params, int ranks, Result result) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT,
            "kmeans: %d points in %d parts, %d clusters, %d iterations, %d rank(s)%n", params.points(),
            params.parts(), params.clusters(), params.iterations(), ranks));
        for (int c = 0; c < params.clusters(); c++) {
            out.append(String.format(Locale.ROOT, "centroid %d: (%.6f, %.6f) %d points%n", c,
                result.centroids()[2 * c], result.centroids()[2 * c + 1], result.counts()[c]));
        }
        out.append(result.matchesSequential() ? "check: ok (identical to the sequential loop)"
            : "check: FAILED, sequential centroids " + Arrays.toString(sequential(params).centroids())).append('\n');
        return out.toString();
    }

    /** Rank of part {@code p}: round-robin. */
    static int rankOf(int p, int ranks) {
        return p % ranks;
    }

    /** Runs the example. Program thread. Returns the final centroids on every rank. */
    public static Result run(Bind bind, Params params) {
        int parts = params.parts();
        int k = params.clusters();
        DoubleArray[] points = new DoubleArray[parts];
        DoubleArray[] partial = new DoubleArray[parts];
        for (int p = 0; p < parts; p++) {
            points[p] = DoubleArray.of(2 * params.pointsIn(p)).named("points[" + p + "]");
            partial[p] = DoubleArray.of(STRIDE * k).named("partial[" + p + "]");
            int part = p;
            bind.on(rankOf(p, bind.size()), () -> generate(points[part], SEED + part));
        }
        DoubleArray centroids = DoubleArray.of(2 * k).named("centroids");
        DoubleArray counts = DoubleArray.of(k).named("counts");
        setInitialCentroids(centroids, SEED, k); // common: runs on every rank
        for (int it = 0; it < params.iterations(); it++) {
            for (int p = 0; p < parts; p++) {
                int part = p;
                bind.on(rankOf(p, bind.size()), () -> assign(points[part], centroids, partial[part]));
            }
            // Binary tree over the parts: level by level, parts (2i, 2i+1) added on the rank of part 2i.
            List<DoubleArray> level = new ArrayList<>(Arrays.asList(partial));
            List<Integer> owners = new ArrayList<>();
            for (int p = 0; p < parts; p++) {
                owners.add(rankOf(p, bind.size()));
            }
            int depth = 0;
            while (level.size() > 1) {
                List<DoubleArray> up = new ArrayList<>();
                List<Integer> upOwners = new ArrayList<>();
                for (int i = 0; i < level.size(); i += 2) {
                    DoubleArray[] pair = i + 1 < level.size() ? new DoubleArray[] {level.get(i), level.get(i + 1)}
                        : new DoubleArray[] {level.get(i)};
                    DoubleArray sum = DoubleArray.of(STRIDE * k).named("sum(" + depth + "," + i / 2 + ")");
                    bind.on(owners.get(i), () -> add(pair, sum));
                    up.add(sum);
                    upOwners.add(owners.get(i));
                }
                level = up;
                owners = upOwners;
                depth++;
            }
            DoubleArray total = level.get(0);
            bind.on(owners.get(0), () -> update(total, centroids, counts));
            bind.replicate(centroids, counts); // the new centroids, readable on every rank
        }
        double[] c = centroids.toArray();
        double[] n = counts.toArray();
        long[] sizes = new long[k];
        for (int j = 0; j < k; j++) {
            sizes[j] = (long) n[j];
        }
        Result seq = params.iterations() == 0 ? null : sequential(params);
        boolean same = seq == null ? Arrays.equals(c, initialCentroids(SEED, k)) : Arrays.equals(c, seq.centroids())
            && Arrays.equals(sizes, seq.counts());
        return new Result(c, sizes, same);
    }

    /**
     * The same computation as a plain loop, without Bind: the same kernels, and the partial sums added along the
     * same tree. Returns the centroids and sizes after the last iteration (initial centroids and zero sizes after
     * none).
     */
    public static Result sequential(Params params) {
        int parts = params.parts();
        int k = params.clusters();
        double[][] points = new double[parts][];
        for (int p = 0; p < parts; p++) {
            points[p] = new double[2 * params.pointsIn(p)];
            generatePoints(points[p], SEED + p);
        }
        double[] centroids = initialCentroids(SEED, k);
        double[] counts = new double[k];
        for (int it = 0; it < params.iterations(); it++) {
            List<double[]> level = new ArrayList<>();
            for (int p = 0; p < parts; p++) {
                double[] partial = new double[STRIDE * k];
                assignPoints(points[p], centroids, partial);
                level.add(partial);
            }
            while (level.size() > 1) {
                List<double[]> up = new ArrayList<>();
                for (int i = 0; i < level.size(); i += 2) {
                    double[] sum = new double[STRIDE * k];
                    addPartials(i + 1 < level.size() ? new double[][] {level.get(i), level.get(i + 1)}
                        : new double[][] {level.get(i)}, sum);
                    up.add(sum);
                }
                level = up;
            }
            updateCentroids(level.get(0), centroids, counts);
        }
        long[] sizes = new long[k];
        for (int j = 0; j < k; j++) {
            sizes[j] = (long) counts[j];
        }
        return new Result(centroids, sizes, true);
    }

    @Op
    static void generate(@Out DoubleArray points, long seed) {
        generatePoints(points.data(), seed);
    }

    @Op
    static void setInitialCentroids(@Out DoubleArray centroids, long seed, int k) {
        System.arraycopy(initialCentroids(seed, k), 0, centroids.data(), 0, 2 * k);
    }

    @Op
    static void assign(@In DoubleArray points, @In DoubleArray centroids, @Out DoubleArray partial) {
        assignPoints(points.data(), centroids.data(), partial.data());
    }

    @Op
    static void add(@In DoubleArray[] parts, @Out DoubleArray sum) {
        double[][] data = new double[parts.length][];
        for (int i = 0; i < parts.length; i++) {
            data[i] = parts[i].data();
        }
        addPartials(data, sum.data());
    }

    @Op
    static void update(@In DoubleArray total, DoubleArray centroids, @Out DoubleArray counts) {
        updateCentroids(total.data(), centroids.data(), counts.data());
    }

    /**
     * Points around {@code 4} blob centres in {@code [-10, 10]²} (the centres from a generator with the fixed seed
     * {@link #SEED}), each point its centre plus a uniform offset in {@code [-3, 3)²}; the part's own generator
     * ({@code seed}) picks the centre and offset.
     */
    static void generatePoints(double[] xy, long seed) {
        SplittableRandom centresRandom = new SplittableRandom(SEED);
        double[] centres = new double[8];
        for (int i = 0; i < centres.length; i++) {
            centres[i] = centresRandom.nextDouble(-10, 10);
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < xy.length; i += 2) {
            int blob = random.nextInt(4);
            xy[i] = centres[2 * blob] + random.nextDouble(-3, 3);
            xy[i + 1] = centres[2 * blob + 1] + random.nextDouble(-3, 3);
        }
    }

    /** {@code k} initial centroids, uniform in {@code [-10, 10)²}, from a generator seeded with {@code seed - 1}. */
    static double[] initialCentroids(long seed, int k) {
        SplittableRandom random = new SplittableRandom(seed - 1);
        double[] c = new double[2 * k];
        for (int i = 0; i < c.length; i++) {
            c[i] = random.nextDouble(-10, 10);
        }
        return c;
    }

    /**
     * Per cluster, the sums of x and y and the count of the points nearest to its centroid (ties to the lower
     * index), added in point order.
     */
    static void assignPoints(double[] xy, double[] centroids, double[] partial) {
        Arrays.fill(partial, 0);
        int k = centroids.length / 2;
        for (int i = 0; i < xy.length; i += 2) {
            int best = 0;
            double bestDistance = Double.POSITIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                double dx = xy[i] - centroids[2 * c];
                double dy = xy[i + 1] - centroids[2 * c + 1];
                double d = dx * dx + dy * dy;
                if (d < bestDistance) {
                    bestDistance = d;
                    best = c;
                }
            }
            partial[STRIDE * best] += xy[i];
            partial[STRIDE * best + 1] += xy[i + 1];
            partial[STRIDE * best + 2] += 1;
        }
    }

    /** {@code sum = parts[0] + parts[1] + ...}, element by element, added in that order. */
    static void addPartials(double[][] parts, double[] sum) {
        System.arraycopy(parts[0], 0, sum, 0, sum.length);
        for (int p = 1; p < parts.length; p++) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] += parts[p][i];
            }
        }
    }

    /** New centroids: the mean of each cluster's points; a cluster left empty keeps its centroid. */
    static void updateCentroids(double[] total, double[] centroids, double[] counts) {
        for (int c = 0; c < counts.length; c++) {
            double n = total[STRIDE * c + 2];
            counts[c] = n;
            if (n > 0) {
                centroids[2 * c] = total[STRIDE * c] / n;
                centroids[2 * c + 1] = total[STRIDE * c + 1] / n;
            }
        }
    }
}
