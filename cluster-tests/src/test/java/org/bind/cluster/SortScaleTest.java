package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bind.examples.SortExample;
import org.bind.mpi.launch.ProcessLauncher;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The scale run of the distributed sort: {@code bind.scale.n} ints (default 1,000,000,000) on
 * {@code bind.scale.ranks} local processes (default 4), each with a heap of {@code bind.scale.heap.mb} MiB
 * (default 4096) and {@code bind.scale.parts} pieces (default 8, so that no single transfer is large), checked
 * (global order, count, checksum), and within {@code bind.scale.budget.gb} GiB (default 20) of peak resident
 * memory summed over the ranks. Not part of the default build: {@code mvn -pl cluster-tests verify -P sort-scale}
 * (after {@code mvn install -DskipTests}).
 */
@Tag("scale")
class SortScaleTest {
    @Test
    @Timeout(value = 3, unit = TimeUnit.HOURS)
    void shouldSortABillionIntsOnFourRanksWithinTheMemoryBudget() {
        long n = Long.getLong("bind.scale.n", 1_000_000_000L);
        int ranks = Integer.getInteger("bind.scale.ranks", 4);
        int heapMb = Integer.getInteger("bind.scale.heap.mb", 4096);
        int parts = Integer.getInteger("bind.scale.parts", 8);
        long budgetGb = Long.getLong("bind.scale.budget.gb", 20);
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(new Tee(captured, System.out), true, StandardCharsets.UTF_8);
        int status = ProcessLauncher.run(new String[] {"-np", Integer.toString(ranks), "--transport", "aeron",
            "--workers", "2", "-J-Xms" + heapMb + "m", "-J-Xmx" + heapMb + "m",
            // start-up is not what this run measures: on a busy 2-core machine four ranks' handshakes exceed 10 s
            "-J-Dbind.connect.timeout.ms=60000",
            "-cp", System.getProperty("java.class.path"), "--", SortExample.class.getName(),
            "--n", Long.toString(n), "--parts", Integer.toString(parts), "--warmup", "0", "--reps", "1"},
            out, System.err);
        String output;
        synchronized (captured) {
            output = captured.toString(StandardCharsets.UTF_8);
        }
        assertEquals(0, status, output);
        assertTrue(output.contains("  check: ok"), output);
        Matcher total = Pattern.compile("peak resident memory per rank \\(MiB\\): \\[[^]]*], total (\\d+) MiB")
            .matcher(output);
        assertTrue(total.find(), "no memory report in\n" + output);
        long totalMb = Long.parseLong(total.group(1));
        assertTrue(totalMb <= budgetGb * 1024, "peak resident memory " + totalMb + " MiB exceeds " + budgetGb + " GiB");
        System.out.println("sort scale run: " + n + " ints on " + ranks + " ranks, peak resident " + totalMb
            + " MiB in all");
    }

    /** Writes to a buffer and echoes to a stream. */
    private static final class Tee extends OutputStream {
        private final ByteArrayOutputStream buffer;
        private final PrintStream echo;

        Tee(ByteArrayOutputStream buffer, PrintStream echo) {
            this.buffer = buffer;
            this.echo = echo;
        }

        @Override
        public void write(int b) {
            synchronized (buffer) {
                buffer.write(b);
            }
            echo.write(b);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            synchronized (buffer) {
                buffer.write(bytes, offset, length);
            }
            echo.write(bytes, offset, length);
        }
    }
}
