package org.bind.cluster;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.bind.examples.CholeskyExample;
import org.bind.examples.KMeansExample;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every multi-rank example as 2 and 4 local JVM processes over Aeron, started by the same launcher as
 * {@code bin/bindrun -np N}: exit status 0 and the example's known result on the expected ranks. The samples on 4
 * processes run once more over UDP (as between hosts) with every frame carrying a MAC ({@code bind.wire.mac=true}): the
 * first of them in the default run, the others with {@code -Pwide}. The linear-algebra samples run on 2 processes and
 * Cholesky (a ragged last tile) also on 4 in the default run; Strassen and GEMM on 4 with {@code -Pwide}.
 */
@Tag("cluster")
class ExamplesOverAeronTest {
    static Stream<Arguments> runs() {
        return ExampleRuns.runs();
    }

    /** The linear-algebra samples on 2 processes, and Cholesky (a ragged last tile) on 4: the default run. */
    static Stream<Arguments> linalgRuns() {
        return ExampleRuns.linalgRuns().filter(run -> (int) run.get()[1] == 2 || run.get()[0] == CholeskyExample.class);
    }

    /** Strassen and GEMM on 4 processes: tagged wide. */
    static Stream<Arguments> wideLinalgRuns() {
        return ExampleRuns.linalgRuns().filter(run -> (int) run.get()[1] == 4 && run.get()[0] != CholeskyExample.class);
    }

    static Stream<Arguments> macRuns() {
        return ExampleRuns.runs().filter(run -> (int) run.get()[1] == 4 && run.get()[0] != KMeansExample.class);
    }

    /** The first sample on 4 processes with MACs: the default run; the others are tagged wide. */
    static Stream<Arguments> firstMacRun() {
        return macRuns().limit(1);
    }

    static Stream<Arguments> otherMacRuns() {
        return macRuns().skip(1);
    }

    @ParameterizedTest(name = "{0} on {1} processes, UDP, frames with MACs")
    @MethodSource("firstMacRun")
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldPrintTheKnownResultWithAMacOnEveryFrameBetweenRanks(Class<?> example, int ranks,
                                                                   List<String> expectedLines, List<String> args) {
        runWithMacs(example, ranks, expectedLines, args);
    }

    @ParameterizedTest(name = "{0} on {1} processes, UDP, frames with MACs")
    @MethodSource("otherMacRuns")
    @Tag("wide")
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldPrintTheKnownResultOfEverySampleWithAMacOnEveryFrame(Class<?> example, int ranks,
                                                                  List<String> expectedLines, List<String> args) {
        runWithMacs(example, ranks, expectedLines, args);
    }

    private static void runWithMacs(Class<?> example, int ranks, List<String> expectedLines, List<String> args) {
        String ipc = ClusterJob.useUdp();
        ExampleRuns.Launch launch;
        try {
            launch = ExampleRuns.overAeron(example, ranks, List.of("--tag-output", "--workers", "1",
                "-J-Dbind.wire.mac=true"), args);
        } finally {
            ClusterJob.restoreIpc(ipc);
        }
        ExampleRuns.assertKnownResult(launch.status(), launch.output(), expectedLines, launch.report());
    }

    @ParameterizedTest(name = "{0} on {1} processes")
    @MethodSource("linalgRuns")
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldPrintALinearAlgebraResultWithinItsErrorBound(Class<?> example, int ranks, String setUpLine,
                                                            List<String> args) {
        runLinalg(example, ranks, setUpLine, args);
    }

    @ParameterizedTest(name = "{0} on {1} processes")
    @MethodSource("wideLinalgRuns")
    @Tag("wide")
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldPrintEveryLinearAlgebraResultWithinItsErrorBoundOnFourProcesses(Class<?> example, int ranks,
                                                                             String setUpLine, List<String> args) {
        runLinalg(example, ranks, setUpLine, args);
    }

    private static void runLinalg(Class<?> example, int ranks, String setUpLine, List<String> args) {
        ExampleRuns.Launch launch = ExampleRuns.overAeron(example, ranks, List.of("--tag-output", "--workers", "1"),
            args);
        ExampleRuns.assertBoundedError(launch.status(), launch.output(), setUpLine, launch.report());
    }

    @ParameterizedTest(name = "{0} on {1} processes")
    @MethodSource("runs")
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldPrintTheKnownResult(Class<?> example, int ranks, List<String> expectedLines, List<String> args) {
        ExampleRuns.Launch launch = ExampleRuns.overAeron(example, ranks, List.of("--tag-output", "--workers", "1"),
            args);
        ExampleRuns.assertKnownResult(launch.status(), launch.output(), expectedLines, launch.report());
    }
}
