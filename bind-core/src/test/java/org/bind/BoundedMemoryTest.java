package org.bind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bind.testing.ChildJvm;
import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Memory stays bounded however long the program runs: ten million tiny ops in a JVM with a 256 MB heap, and
 * 400 MB of short-lived arrays through a 64 MB heap, each in a child JVM, finish without running out of memory
 * and give the same values as plain sequential Java.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(120)
class BoundedMemoryTest {
    private static final long OPS = 10_000_000L;
    private static final long SEED = 20240611L;

    @Test
    void shouldRunTenMillionOpsInASmallHeapAndMatchSequentialJava() throws Exception {
        ChildJvm.Result result = ChildJvm.run(BoundedMemoryMain.class,
            List.of("-Xmx256m", "-XX:+ExitOnOutOfMemoryError", "-Xss2m"),
            List.of(Long.toString(OPS), "2", Long.toString(SEED)), Duration.ofSeconds(90));

        assertFalse(result.timedOut(), result::describe);
        assertEquals(0, result.exitCode(), result::describe);
        List<String> expected = expectedLines();
        List<String> actual = arrayLines(result.output());
        assertEquals(expected.size(), actual.size(), result::describe);
        for (int i = 0; i < expected.size(); i++) {
            assertEquals(expected.get(i), actual.get(i), "final values of array " + i + " differ from sequential Java");
        }
        assertEquals("done", lastLine(result.output()), result::describe);
    }

    /** The same op sequence applied to plain arrays. */
    private static List<String> expectedLines() {
        int[][] arrays = new int[BoundedMemoryMain.ARRAYS][BoundedMemoryMain.LENGTH];
        BoundedMemoryMain.Sequence sequence = new BoundedMemoryMain.Sequence(SEED);
        for (long op = 0; op < OPS; op++) {
            sequence.next();
            arrays[sequence.array][sequence.index] += sequence.delta;
        }
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < arrays.length; i++) {
            lines.add("array " + i + ": " + Arrays.toString(arrays[i]));
        }
        return lines;
    }

    @Test
    void shouldReleaseTemporaryObjectsInASmallHeapWithDefaultSettings() throws Exception {
        int objects = 100_000;
        int length = 1024; // 4 KB per version: 400 MB of arrays flow through a 64 MB heap
        ChildJvm.Result result = ChildJvm.run(TemporaryObjectsMain.class,
            List.of("-Xmx64m", "-XX:+ExitOnOutOfMemoryError", "-Xss2m"),
            List.of(Integer.toString(objects), Integer.toString(length), "2"), Duration.ofSeconds(60));

        assertFalse(result.timedOut(), result::describe);
        assertEquals(0, result.exitCode(), result::describe);
        assertEquals("checksum=" + TemporaryObjectsMain.expectedChecksum(objects, length),
            result.output().lines().filter(line -> line.startsWith("checksum=")).findFirst().orElse("no checksum"),
            result::describe);
        assertEquals("done", lastLine(result.output()), result::describe);
    }

    private static List<String> arrayLines(String output) {
        return output.lines().filter(line -> line.startsWith("array ")).toList();
    }

    private static String lastLine(String output) {
        List<String> lines = output.lines().filter(line -> !line.isBlank()).toList();
        return lines.isEmpty() ? "" : lines.get(lines.size() - 1);
    }
}
