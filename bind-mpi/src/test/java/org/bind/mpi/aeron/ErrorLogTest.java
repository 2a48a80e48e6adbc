package org.bind.mpi.aeron;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

/** {@link ErrorLog}: one line per kind of error per window, with the count of the repeats it did not print. */
class ErrorLogTest {
    private static final long WINDOW_NS = TimeUnit.SECONDS.toNanos(10);

    @Test
    void shouldPrintARepeatedErrorOncePerWindowWithItsCount() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream target = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ErrorLog log = new ErrorLog("bind: rank 1 Aeron error", WINDOW_NS, () -> target);
        RuntimeException unreachable = new IllegalStateException("sendmsg: Network is unreachable");
        long startNs = 1_000_000_000L;
        assertTrue(log.onError(unreachable, startNs));
        for (int i = 1; i <= 4_000; i++) {
            assertFalse(log.onError(new IllegalStateException("sendmsg: Network is unreachable"), startNs + i * 1_000L));
        }
        assertEquals(4_000, log.suppressed(unreachable));
        assertTrue(log.onError(new IllegalArgumentException("another"), startNs + 5_000_000L));
        assertTrue(log.onError(unreachable, startNs + WINDOW_NS));
        assertEquals(List.of(
            "bind: rank 1 Aeron error: java.lang.IllegalStateException: sendmsg: Network is unreachable",
            "bind: rank 1 Aeron error: java.lang.IllegalArgumentException: another",
            "bind: rank 1 Aeron error (and 4000 more like it in the last 10 s): java.lang.IllegalStateException: sendmsg:"
                + " Network is unreachable"), bytes.toString(StandardCharsets.UTF_8).lines().toList());
    }

    @Test
    void shouldForgetTheOldestKindBeyondItsBound() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream target = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        ErrorLog log = new ErrorLog("e", WINDOW_NS, () -> target);
        for (int i = 0; i <= ErrorLog.MAX_KINDS; i++) {
            assertTrue(log.onError(new IllegalStateException("kind " + i), 1L));
        }
        assertTrue(log.onError(new IllegalStateException("kind 0"), 2L), "kind 0 was forgotten and prints again");
        assertFalse(log.onError(new IllegalStateException("kind " + ErrorLog.MAX_KINDS), 3L));
    }
}
