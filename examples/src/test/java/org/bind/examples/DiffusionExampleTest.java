package org.bind.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.MathContext;

import org.bind.dag.Counters;
import org.bind.examples.DiffusionExample.Moments;
import org.bind.examples.DiffusionExample.Params;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(60)
class DiffusionExampleTest {
    /** The whole grid in one array, stepped by a plain loop; sums in row-major order. */
    static Moments sequential(int n, int steps) {
        double dr = 2.0 / (n - 1);
        double diffusion = 1.0;
        double dt = dr * dr / (6 * diffusion);
        double fac = dt * diffusion / (dr * dr);
        double[][] rho = new double[n][n];
        double[][] next = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double x = -1 + j * dr;
                double y = -1 + i * dr;
                rho[i][j] = Math.abs(x) < 0.5 && Math.abs(y) < 0.5 ? 1 : 0;
            }
        }
        for (int step = 0; step < steps; step++) {
            for (int i = 1; i < n - 1; i++) {
                for (int j = 1; j < n - 1; j++) {
                    double north = rho[i - 1][j];
                    double south = rho[i + 1][j];
                    double east = rho[i][j + 1];
                    double west = rho[i][j - 1];
                    next[i][j] = rho[i][j] + fac * (north + south + east + west - 4 * rho[i][j]);
                }
            }
            double[][] swap = rho;
            rho = next;
            next = swap;
        }
        double area = dr * dr;
        double mass = 0;
        double second = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double x = -1 + j * dr;
                double y = -1 + i * dr;
                mass += rho[i][j] * area;
                second += rho[i][j] * (x * x + y * y) * area;
            }
        }
        return new Moments(mass, second);
    }

    private static double sixDigits(double value) {
        return new BigDecimal(value).round(new MathContext(6)).doubleValue();
    }

    @Test
    void shouldMatchTheReferenceValuesSequentially() {
        Moments expected = sequential(128, 40);
        assertEquals(1.01581, sixDigits(expected.mass()));
        assertEquals(0.178654, sixDigits(expected.secondMoment()));
    }

    @ParameterizedTest(name = "{0} rank(s)")
    @ValueSource(ints = {1, 2, 3, 4})
    void shouldMatchTheSequentialLoopBitForBit(int ranks) {
        Object[] results = Jobs.run(ranks, bind -> DiffusionExample.run(bind, Params.defaults()));
        Moments expected = sequential(128, 40);
        for (int r = 0; r < ranks; r++) {
            Moments actual = (Moments) results[r];
            assertEquals(Double.doubleToRawLongBits(expected.mass()), Double.doubleToRawLongBits(actual.mass()),
                "rank " + r + " mass " + actual.mass() + ", expected " + expected.mass());
            assertEquals(Double.doubleToRawLongBits(expected.secondMoment()),
                Double.doubleToRawLongBits(actual.secondMoment()),
                "rank " + r + " second moment " + actual.secondMoment() + ", expected " + expected.secondMoment());
            assertEquals("mass 1.01581" + System.lineSeparator() + "second moment 0.178654",
                DiffusionExample.format(actual));
        }
    }

    @ParameterizedTest(name = "n={0}, steps={1}, tiles={2}, {3} rank(s)")
    @CsvSource({"37, 25, 1, 2", "37, 25, 5, 3", "37, 25, 37, 4", "50, 3, 3, 4", "20, 0, 6, 2"})
    void shouldGiveTheSameBitsForAnyTiling(int n, int steps, int tiles, int ranks) {
        Params params = new Params(n, steps, tiles);
        Object[] results = Jobs.run(ranks, bind -> DiffusionExample.run(bind, params));
        Moments expected = sequential(n, steps);
        for (int r = 0; r < ranks; r++) {
            assertEquals(expected, results[r], "rank " + r);
        }
    }

    @Test
    void shouldMoveOnlyEdgeRowsBetweenRanks() {
        Params params = Params.defaults();
        Object[] counters = Jobs.run(2, bind -> {
            DiffusionExample.run(bind, params);
            return bind.counters();
        });
        // Tiles 0-3 live on rank 0, tiles 4-7 on rank 1: per step one edge row crosses each way; then the running
        // sums go to rank 1 and the result comes back. A whole tile (16 rows) would exceed the byte budget.
        long maxVersions = params.steps() + 2;
        long maxBytes = maxVersions * (params.n() * Double.BYTES + 256L);
        for (int r = 0; r < 2; r++) {
            Counters c = (Counters) counters[r];
            assertTrue(c.versionsSent() >= params.steps() && c.versionsSent() <= maxVersions, "rank " + r + " " + c);
            assertTrue(c.bytesSent() <= maxBytes, "rank " + r + " " + c);
        }
    }

    @Test
    void shouldParseOptions() {
        assertEquals(Params.defaults(), Params.parse());
        assertEquals(new Params(64, 7, 4), Params.parse("--tiles", "4", "--n", "64", "--steps", "7"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--n", "2"))
            .getMessage().contains("grid size 2"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--tiles", "200"))
            .getMessage().contains("tiles 200"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--steps"))
            .getMessage().contains("--steps needs a value"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--size", "3"))
            .getMessage().contains("unknown option --size"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--n", "x"))
            .getMessage().contains("x is not an integer"));
    }

    @Test
    void shouldRunMainOnTwoRanks() {
        String out = Jobs.runMain(DiffusionExample.class, 2, "--tiles", "6");
        assertTrue(out.contains("mass 1.01581"), out);
        assertTrue(out.contains("second moment 0.178654"), out);
    }
}
