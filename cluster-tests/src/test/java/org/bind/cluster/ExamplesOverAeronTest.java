package org.bind.cluster;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.bind.mpi.launch.ProcessLauncher;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every multi-rank example as 2 and 4 local JVM processes over Aeron, started by the same launcher as
 * {@code bin/bindrun -np N}: exit status 0 and the example's known result on the expected ranks.
 */
@Tag("cluster")
class ExamplesOverAeronTest {
    static Stream<Arguments> runs() {
        return ExampleRuns.runs();
    }

    @ParameterizedTest(name = "{0} on {1} processes")
    @MethodSource("runs")
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldPrintTheKnownResult(Class<?> example, int ranks, List<String> expectedLines, List<String> args) {
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        List<String> command = new ArrayList<>(List.of("-np", Integer.toString(ranks), "--transport", "aeron",
            "--tag-output", "--workers", "1", "-cp", System.getProperty("java.class.path"), "--", example.getName()));
        command.addAll(args);
        int status = ProcessLauncher.run(command.toArray(String[]::new), out, err);
        String output;
        synchronized (out) {
            output = outBytes.toString(StandardCharsets.UTF_8);
        }
        String report = "stdout:\n" + output + "\nstderr:\n" + errBytes.toString(StandardCharsets.UTF_8);
        ExampleRuns.assertKnownResult(status, output, expectedLines, report);
    }
}
