package org.bind.examples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import org.bind.examples.KMeansExample.Params;
import org.bind.examples.KMeansExample.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(60)
class KMeansExampleTest {
    /**
     * Lloyd's algorithm written out here, independently of the example's kernels (only the input generator is
     * shared): per part, sums in point order; parts added pairwise, level by level. Returns centroids then sizes.
     */
    static double[][] oracle(Params params) {
        int k = params.clusters();
        List<double[]> parts = new ArrayList<>();
        for (int p = 0; p < params.parts(); p++) {
            int count = params.points() / params.parts() + (p < params.points() % params.parts() ? 1 : 0);
            double[] xy = new double[2 * count];
            KMeansExample.generatePoints(xy, KMeansExample.SEED + p);
            parts.add(xy);
        }
        double[] centroids = KMeansExample.initialCentroids(KMeansExample.SEED, k);
        double[] sizes = new double[k];
        for (int it = 0; it < params.iterations(); it++) {
            List<double[]> level = new ArrayList<>();
            for (double[] xy : parts) {
                double[] s = new double[3 * k];
                for (int i = 0; i < xy.length; i += 2) {
                    int best = 0;
                    for (int c = 1; c < k; c++) {
                        if (dist(xy, i, centroids, c) < dist(xy, i, centroids, best)) {
                            best = c;
                        }
                    }
                    s[3 * best] += xy[i];
                    s[3 * best + 1] += xy[i + 1];
                    s[3 * best + 2]++;
                }
                level.add(s);
            }
            while (level.size() > 1) {
                List<double[]> up = new ArrayList<>();
                for (int i = 0; i < level.size(); i += 2) {
                    double[] s = level.get(i).clone();
                    if (i + 1 < level.size()) {
                        for (int j = 0; j < s.length; j++) {
                            s[j] += level.get(i + 1)[j];
                        }
                    }
                    up.add(s);
                }
                level = up;
            }
            double[] total = level.get(0);
            for (int c = 0; c < k; c++) {
                sizes[c] = total[3 * c + 2];
                if (sizes[c] > 0) {
                    centroids[2 * c] = total[3 * c] / sizes[c];
                    centroids[2 * c + 1] = total[3 * c + 1] / sizes[c];
                }
            }
        }
        return new double[][] {centroids, sizes};
    }

    private static double dist(double[] xy, int i, double[] centroids, int c) {
        double dx = xy[i] - centroids[2 * c];
        double dy = xy[i + 1] - centroids[2 * c + 1];
        return dx * dx + dy * dy;
    }

    @ParameterizedTest(name = "{0} rank(s), {1} points in {2} parts, {3} clusters, {4} iterations")
    @CsvSource({"1, 2000, 8, 4, 5", "2, 2000, 8, 4, 5", "3, 2000, 5, 3, 4", "4, 2000, 8, 4, 5", "4, 999, 1, 2, 3",
        "4, 1000, 3, 6, 2", "2, 100, 4, 4, 0"})
    void shouldMatchAPlainLloydLoopBitForBitOnEveryRank(int ranks, int points, int parts, int clusters,
                                                        int iterations) {
        Params params = new Params(points, parts, clusters, iterations);
        double[][] expected = oracle(params);
        Object[] results = Jobs.run(ranks, bind -> KMeansExample.run(bind, params));
        for (int r = 0; r < ranks; r++) {
            Result result = (Result) results[r];
            assertArrayEquals(expected[0], result.centroids(), 0.0, "centroids on rank " + r);
            for (int c = 0; c < clusters; c++) {
                assertEquals((long) expected[1][c], result.counts()[c], "size of cluster " + c + " on rank " + r);
            }
            assertTrue(result.matchesSequential(), "rank " + r);
        }
    }

    @Test
    void shouldPrintTheKnownCentroidsOnTwoRanks() {
        String out = Jobs.runMain(KMeansExample.class, 2);
        for (String line : List.of("kmeans: 20000 points in 8 parts, 4 clusters, 10 iterations, 2 rank(s)",
            "centroid 0: (-5.463727, -2.307552) 5029 points", "centroid 1: (3.633303, 5.329041) 9976 points",
            "centroid 2: (0.634328, -6.987970) 2404 points", "centroid 3: (3.589678, -7.571779) 2591 points",
            "check: ok (identical to the sequential loop)")) {
            assertTrue(out.lines().anyMatch(line::equals), () -> "missing '" + line + "' in\n" + out);
        }
    }

    @Test
    void shouldRejectBadOptionsNamingThem() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--parts", "0")).getMessage()
            .contains("parts 0"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--k", "3")).getMessage()
            .contains("unknown option --k"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--points", "x")).getMessage()
            .contains("--points: x"));
    }
}
