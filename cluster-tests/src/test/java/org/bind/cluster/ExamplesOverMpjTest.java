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
 * Every multi-rank example as 2 and 4 JVM processes started by MPJ Express (niodev, a private daemon for the job)
 * with frames over MPJ, the launch {@code bin/bindrun --transport mpj -np N} runs; and diffusion with MPJ as the
 * bootstrap only and frames over Aeron (the data plane of {@code --machines} jobs).
 */
@Tag("cluster")
class ExamplesOverMpjTest {
    private static final long JOB_TIMEOUT_S = 150;

    @TempDir
    Path dir;

    static Stream<Arguments> runs() {
        return ExampleRuns.runs();
    }

    static Stream<Arguments> linalgRuns() {
        return ExampleRuns.linalgRuns();
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
    @MethodSource("runs")
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldPrintTheKnownResult(Class<?> example, int ranks, List<String> expectedLines, List<String> args)
        throws Exception {
        ChildJob.Result result = launch(ranks, "mpj", example, args);
        ExampleRuns.assertKnownResult(result.status(), result.output(), expectedLines, result.output());
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
