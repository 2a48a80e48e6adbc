package org.bind.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** The timeout extension dumps every thread's stack for timeouts, and only for timeouts, and keeps the error. */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(30)
class DumpStacksOnTimeoutTest {
    @Test
    void shouldDumpEveryThreadWhenATestTimesOut() throws Exception {
        CountDownLatch parked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Thread sleeper = new Thread(() -> {
            parked.countDown();
            awaitQuietly(release);
        }, "stuck-helper-thread");
        sleeper.start();
        try {
            assertTrue(parked.await(10, TimeUnit.SECONDS));
            TimeoutException timeout = new TimeoutException("shouldHang() timed out after 1 second");
            ByteArrayOutputStream captured = new ByteArrayOutputStream();
            Throwable rethrown = DumpStacksOnTimeout.dumpIfTimeout("shouldHang()", timeout,
                new PrintStream(captured, true, StandardCharsets.UTF_8));
            assertSame(timeout, rethrown);
            String dump = captured.toString(StandardCharsets.UTF_8);
            assertTrue(dump.contains("shouldHang() timed out"), dump);
            assertTrue(dump.contains("\"stuck-helper-thread\""), dump);
            assertTrue(dump.contains("awaitQuietly"), "the helper's stack is in the dump:\n" + dump);
            assertTrue(dump.contains("\"" + Thread.currentThread().getName() + "\""), dump);
        } finally {
            release.countDown();
            sleeper.join(10_000);
        }
    }

    @Test
    void shouldDumpWhenTheTimeoutIsACause() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        RuntimeException wrapped = new RuntimeException("wrapper", new TimeoutException("inner"));
        DumpStacksOnTimeout.dumpIfTimeout("t", wrapped, new PrintStream(captured, true, StandardCharsets.UTF_8));
        assertTrue(captured.toString(StandardCharsets.UTF_8).contains("thread dump"));
    }

    @Test
    void shouldStayQuietForOtherFailures() {
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        AssertionError failure = new AssertionError("expected 1 but was 2");
        Throwable rethrown = DumpStacksOnTimeout.dumpIfTimeout("t", failure,
            new PrintStream(captured, true, StandardCharsets.UTF_8));
        assertSame(failure, rethrown);
        assertEquals("", captured.toString(StandardCharsets.UTF_8));
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
