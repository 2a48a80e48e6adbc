package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.bind.examples.ArrayExample;
import org.bind.examples.DiffusionExample;
import org.bind.examples.CholeskyExample;
import org.bind.examples.GemmExample;
import org.bind.examples.KMeansExample;
import org.bind.examples.MaxRankExample;
import org.bind.examples.ReduceExample;
import org.bind.examples.SharedHashExample;
import org.bind.examples.StrassenExample;
import org.bind.mpi.launch.ProcessLauncher;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The multi-rank examples with the lines they print (tagged with the rank) on 2 and 4 ranks (k-means also on 1),
 * whatever the launch;
 * the linear-algebra samples with the bound their printed error must stay below.
 */
final class ExampleRuns {
    private ExampleRuns() {
    }

    /** (example class, ranks, expected line prefixes, program arguments) on 2 and 4 ranks, k-means also on 1. */
    static Stream<Arguments> runs() {
        return Stream.of(samples(2), samples(4), kMeans(1, 2, 4)).flatMap(List::stream);
    }

    /** The multi-rank samples but k-means on {@code ranks} ranks: (example class, ranks, expected lines, args). */
    static List<Arguments> samples(int ranks) {
        List<Arguments> runs = new ArrayList<>();
        List<String> maxRank = new ArrayList<>();
        List<String> hashes = new ArrayList<>();
        for (int r = 0; r < ranks; r++) {
            maxRank.add("[rank " + r + "] rank " + r + ": max rank " + (ranks - 1));
            hashes.add("[rank " + r + "] rank " + r + ": 2 distinct hashes [0xdc43b08dfdc72325, 0xfd2916200943d825]");
        }
        runs.add(Arguments.of(ArrayExample.class, ranks, List.of("[rank 0] sorted descending: [973, 969, 957"),
            List.of()));
        runs.add(Arguments.of(MaxRankExample.class, ranks, maxRank, List.of()));
        runs.add(Arguments.of(ReduceExample.class, ranks, List.of("[rank 0] sum 40"), List.of()));
        runs.add(Arguments.of(SharedHashExample.class, ranks, hashes, List.of()));
        runs.add(Arguments.of(DiffusionExample.class, ranks, expectedDiffusion(), List.of()));
        return runs;
    }

    /** The k-means sample on each of {@code rankCounts}. */
    static List<Arguments> kMeans(int... rankCounts) {
        List<Arguments> runs = new ArrayList<>();
        for (int ranks : rankCounts) {
            runs.add(Arguments.of(KMeansExample.class, ranks, expectedKMeans(ranks), List.of()));
        }
        return runs;
    }

    /** Relative errors (products) and residuals (Cholesky) the linear-algebra samples must print below. */
    static final double LINALG_ERROR_BOUND = 1e-12;
    private static final Pattern LINALG_RESULT = Pattern.compile("^\\[rank 0\\] time (\\S+) s, (\\S+) GFLOPS,"
        + " (error|residual) (\\S+) \\(relative, 64 sampled entries\\)$", Pattern.MULTILINE);

    /** (example class, ranks, expected set-up line of rank 0, program arguments) of the linear-algebra samples. */
    static Stream<Arguments> linalgRuns() {
        return Stream.concat(linalgRuns(2).stream(), linalgRuns(4).stream());
    }

    /** The linear-algebra samples on {@code ranks} ranks. */
    static List<Arguments> linalgRuns(int ranks) {
        List<Arguments> runs = new ArrayList<>();
        String setUp = " n=256 tile=32 ranks=" + ranks + " workers=1 kernels=openblas";
        List<String> small = List.of("--n", "256", "--tile", "32");
        runs.add(Arguments.of(StrassenExample.class, ranks, "[rank 0] strassen:" + setUp, small));
        runs.add(Arguments.of(GemmExample.class, ranks, "[rank 0] gemm:" + setUp, small));
        // a ragged last tile: 250 = 7·32 + 26
        runs.add(Arguments.of(CholeskyExample.class, ranks, "[rank 0] cholesky: n=250 tile=32 ranks=" + ranks
            + " workers=1 kernels=openblas", List.of("--n", "250", "--tile", "32")));
        return runs;
    }

    /**
     * Exit status 0, rank 0's set-up line, and its result line with an error (or residual) below
     * {@link #LINALG_ERROR_BOUND}.
     */
    static void assertBoundedError(int status, String output, String setUpLine, String report) {
        assertKnownResult(status, output, List.of(setUpLine), report);
        Matcher result = LINALG_RESULT.matcher(output);
        assertTrue(result.find(), () -> "no result line from rank 0\n" + report);
        double error = Double.parseDouble(result.group(4));
        assertTrue(error < LINALG_ERROR_BOUND, () -> result.group(3) + " " + error + " not below "
            + LINALG_ERROR_BOUND + "\n" + report);
        assertTrue(Double.parseDouble(result.group(1)) > 0, report); // GFLOPS may print as 0.00 for these small runs
    }

    static List<String> expectedDiffusion() {
        return List.of("[rank 0] mass 1.01581", "[rank 0] second moment 0.178654");
    }

    /** The k-means sample's lines with its defaults: the same centroids, bit for bit, on any number of ranks. */
    static List<String> expectedKMeans(int ranks) {
        return List.of("[rank 0] kmeans: 20000 points in 8 parts, 4 clusters, 10 iterations, " + ranks + " rank(s)",
            "[rank 0] centroid 0: (-5.463727, -2.307552) 5029 points",
            "[rank 0] centroid 1: (3.633303, 5.329041) 9976 points",
            "[rank 0] centroid 2: (0.634328, -6.987970) 2404 points",
            "[rank 0] centroid 3: (3.589678, -7.571779) 2591 points",
            "[rank 0] check: ok (identical to the sequential loop)");
    }

    /** Exit status 0 and every expected line (as a line prefix) in {@code output}. */
    static void assertKnownResult(int status, String output, List<String> expectedLines, String report) {
        assertEquals(0, status, report);
        for (String line : expectedLines) {
            assertTrue(output.lines().anyMatch(l -> l.startsWith(line)), () -> "missing '" + line + "'\n" + report);
        }
    }

    /** What a launch over Aeron printed: exit status, stdout, and a report of both streams for messages. */
    record Launch(int status, String output, String report) {
    }

    /**
     * Runs {@code example} on {@code ranks} local processes over Aeron, as {@code bin/bindrun -np N} does, with the
     * launcher options {@code options} (before the class path) and the program arguments {@code args}.
     */
    static Launch overAeron(Class<?> example, int ranks, List<String> options, List<String> args) {
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of("-np", Integer.toString(ranks), "--transport", "aeron"));
        command.addAll(options);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "--", example.getName()));
        command.addAll(args);
        int status = ProcessLauncher.run(command.toArray(String[]::new), out, err);
        String output;
        synchronized (out) {
            output = outBytes.toString(StandardCharsets.UTF_8);
        }
        return new Launch(status, output, "stdout:\n" + output + "\nstderr:\n" + errBytes.toString(StandardCharsets.UTF_8));
    }
}
