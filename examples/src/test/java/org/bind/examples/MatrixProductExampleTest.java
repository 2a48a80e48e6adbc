package org.bind.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bind.examples.MatrixProduct.Params;
import org.bind.examples.MatrixProduct.Result;
import org.bind.linalg.Gemm;
import org.bind.linalg.Strassen;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Timeout(90)
class MatrixProductExampleTest {
    @ParameterizedTest(name = "{0}: n={1}, tile={2}, {3} rank(s)")
    @CsvSource({"strassen, 128, 32, 1", "strassen, 128, 16, 2", "strassen, 96, 16, 3", "strassen, 64, 16, 4",
        "gemm, 128, 32, 1", "gemm, 96, 16, 2", "gemm, 128, 16, 3", "gemm, 64, 16, 4"})
    void shouldMultiplyOnEveryRankCount(String algorithm, int n, int tile, int ranks) {
        Params params = new Params(n, tile);
        Object[] results = Jobs.run(ranks, bind -> MatrixProduct.run(bind, algorithm, params,
            algorithm.equals("strassen") ? Strassen::multiply : Gemm::multiply));
        for (int r = 0; r < ranks; r++) {
            Result result = (Result) results[r];
            assertEquals(n, result.n());
            assertEquals(ranks, result.ranks());
            assertTrue(result.error() < 1e-12, "rank " + r + ": " + result.format());
            assertTrue(result.seconds() > 0 && result.gflops() > 0, result.format());
        }
    }

    private static void assertPrinted(String out, String algorithm, int n, int ranks) {
        assertTrue(out.contains(algorithm + ": n=" + n + " "), out);
        assertTrue(out.contains(" ranks=" + ranks + " "), out);
        Matcher line = Pattern.compile("time (\\S+) s, (\\S+) GFLOPS, error (\\S+) \\(relative, 64 sampled entries\\)")
            .matcher(out);
        assertTrue(line.find(), out);
        assertTrue(Double.parseDouble(line.group(3)) < 1e-12, out);
    }

    @Test
    void shouldPrintStrassensResultOnTwoRanks() {
        assertPrinted(Jobs.runMain(StrassenExample.class, 2, "--n", "128", "--tile", "32"), "strassen", 128, 2);
    }

    @Test
    void shouldPrintGemmsResultOnThreeRanks() {
        assertPrinted(Jobs.runMain(GemmExample.class, 3, "--tile", "16", "--n", "80"), "gemm", 80, 3);
    }

    @Test
    void shouldParseOptions() {
        assertEquals(new Params(1024, 128), Params.parse());
        assertEquals(new Params(96, 96), Params.parse("--n", "96"));
        assertEquals(new Params(256, 64), Params.parse("--tile", "64", "--n", "256"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--n", "100", "--tile", "30"))
            .getMessage().contains("tile size 30 must divide the matrix size 100"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--n", "0"))
            .getMessage().contains("matrix size 0 out of range"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--size", "3"))
            .getMessage().contains("unknown option --size"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--tile"))
            .getMessage().contains("--tile needs a value"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Params.parse("--n", "x"))
            .getMessage().contains("x is not an integer"));
    }
}
