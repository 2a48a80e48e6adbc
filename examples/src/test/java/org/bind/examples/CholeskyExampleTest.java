package org.bind.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bind.examples.CholeskyExample.Check;
import org.bind.examples.CholeskyExample.Params;
import org.bind.examples.CholeskyExample.Result;
import org.bind.linalg.TiledMatrix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(90)
class CholeskyExampleTest {
    @ParameterizedTest(name = "n={0}, tile={1}, {2} rank(s)")
    @CsvSource({"128, 32, 1", "100, 16, 2", "96, 16, 3", "90, 32, 4"})
    void shouldFactorWithASmallResidualOnEveryRankCount(int n, int tile, int ranks) {
        Params params = new Params(n, tile);
        Object[] results = Jobs.run(ranks, bind -> CholeskyExample.run(bind, params));
        for (int r = 0; r < ranks; r++) {
            Result result = (Result) results[r];
            assertEquals(n, result.n());
            assertEquals(ranks, result.ranks());
            assertTrue(result.residual() < 1e-14, "rank " + r + ": " + result.format());
            assertTrue(result.seconds() > 0 && result.gflops() > 0, result.format());
        }
    }

    @Test
    void shouldSeeAWrongFactorInTheResidual() {
        int n = 40;
        Check check = Check.of(CholeskyExample.spd(n, 1), n, 2);
        Object[] residuals = Jobs.run(2, bind -> check.residual(TiledMatrix.zeros(n, 16)));
        assertEquals(1.0, (Double) residuals[0]);
        assertEquals(1.0, (Double) residuals[1]);
    }

    @Test
    void shouldPrintTheResultOnTwoRanks() {
        String out = Jobs.runMain(CholeskyExample.class, 2, "--n", "120", "--tile", "32");
        assertTrue(out.contains("cholesky: n=120 tile=32 ranks=2 "), out);
        Matcher line = Pattern.compile("time (\\S+) s, (\\S+) GFLOPS, residual (\\S+) \\(relative, 64 sampled"
            + " entries\\)").matcher(out);
        assertTrue(line.find(), out);
        assertTrue(Double.parseDouble(line.group(3)) < 1e-14, out);
    }

    @Test
    void shouldParseOptions() {
        assertEquals(new Params(2048, 256), Params.parse());
        assertEquals(new Params(96, 96), Params.parse("--n", "96"));
        assertEquals(new Params(100, 30), Params.parse("--tile", "30", "--n", "100"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--n", "100", "--tile", "101"))
            .getMessage().contains("tile size 101 out of range [1, n = 100]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--n", "0"))
            .getMessage().contains("matrix size 0 out of range"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--size", "3"))
            .getMessage().contains("unknown option --size"));
    }
}
