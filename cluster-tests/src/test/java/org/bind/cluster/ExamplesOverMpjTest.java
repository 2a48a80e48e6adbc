package org.bind.cluster;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.bind.examples.DiffusionExample;
import org.bind.mpi.launch.MpjLauncher;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every multi-rank example as 2 JVM processes started by MPJ Express (niodev, a private daemon for the job) with
 * frames over MPJ, the launch {@code bin/bindrun --transport mpj -np N} runs, and diffusion (the sample whose
 * transfers go through relays) as 4; diffusion with MPJ as the bootstrap only and frames over Aeron (the data plane
 * of {@code --machines} jobs) as 2 and 4. The other samples on 4 processes (and k-means on 1) are tagged
 * {@code wide}, left out of the default run ({@code mvn -Pwide -pl cluster-tests -am verify}): over Aeron every
 * sample runs on 4 processes by default already.
 */
@Tag("cluster")
class ExamplesOverMpjTest {
    private static final long JOB_TIMEOUT_S = 150;

    @TempDir
    Path dir;

    static Stream<Arguments> runs() {
        List<Arguments> runs = new ArrayList<>(ExampleRuns.samples(2));
        runs.addAll(ExampleRuns.kMeans(2));
        ExampleRuns.samples(4).stream().filter(run -> run.get()[0] == DiffusionExample.class).forEach(runs::add);
        return runs.stream();
    }

    static Stream<Arguments> wideRuns() {
        List<Arguments> runs = new ArrayList<>(ExampleRuns.samples(4));
        runs.removeIf(run -> run.get()[0] == DiffusionExample.class);
        runs.addAll(ExampleRuns.kMeans(1, 4));
        return runs.stream();
    }

    static Stream<Arguments> linalgRuns() {
        return ExampleRuns.linalgRuns(2).stream();
    }

    static Stream<Arguments> wideLinalgRuns() {
        return ExampleRuns.linalgRuns(4).stream();
    }

    @ParameterizedTest(name = "{0} on {1} processes")
    @MethodSource("linalgRuns")
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldPrintALinearAlgebraResultWithinItsErrorBound(Class<?> example, int ranks, String setUpLine,
                                                            List<String> args) throws Exception {
        ChildJob.Result result = launch(ranks, "mpj", example, args);
        ExampleRuns.assertBoundedError(result.status(), result.output(), setUpLine, result.output());
    }

    @ParameterizedTest(name = "{0} on {1} processes")
    @MethodSource("wideLinalgRuns")
    @Tag("wide")
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldPrintALinearAlgebraResultWithinItsErrorBoundOnMoreProcesses(Class<?> example, int ranks,
                                                                           String setUpLine, List<String> args)
        throws Exception {
        shouldPrintALinearAlgebraResultWithinItsErrorBound(example, ranks, setUpLine, args);
    }

    @ParameterizedTest(name = "{0} on {1} processes")
    @MethodSource("runs")
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldPrintTheKnownResult(Class<?> example, int ranks, List<String> expectedLines, List<String> args)
        throws Exception {
        ChildJob.Result result = launch(ranks, "mpj", example, args);
        ExampleRuns.assertKnownResult(result.status(), result.output(), expectedLines, result.output());
    }

    @ParameterizedTest(name = "{0} on {1} processes")
    @MethodSource("wideRuns")
    @Tag("wide")
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldPrintTheKnownResultOnOtherProcessCounts(Class<?> example, int ranks, List<String> expectedLines,
                                                       List<String> args) throws Exception {
        shouldPrintTheKnownResult(example, ranks, expectedLines, args);
    }

    @ParameterizedTest(name = "diffusion on {0} processes, frames over Aeron")
    @ValueSource(ints = {2, 4})
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldRunOverAeronAfterAnMpjBootstrap(int ranks) throws Exception {
        ChildJob.Result result = launch(ranks, "aeron", DiffusionExample.class, List.of());
        ExampleRuns.assertKnownResult(result.status(), result.output(), ExampleRuns.expectedDiffusion(), result.output());
    }

    private ChildJob.Result launch(int ranks, String data, Class<?> example, List<String> args) throws Exception {
        Path home = MpjHome.get();
        List<String> launcherArgs = new ArrayList<>(List.of("-np", Integer.toString(ranks), "--mpj-home",
            home.toString(), "--data", data, "--tag-output", "--workers", "1", "--jobs-dir", dir.toString(), "-cp",
            System.getProperty("java.class.path"), "--", example.getName()));
        launcherArgs.addAll(args);
        return ChildJob.run(ChildJob.javaCommand(MpjLauncher.class.getName(), launcherArgs), dir, Map.of(),
            JOB_TIMEOUT_S);
    }
}
