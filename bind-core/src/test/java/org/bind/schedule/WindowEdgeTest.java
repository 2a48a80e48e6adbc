package org.bind.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A program at the edge of a large window waits for a quarter of it to drain instead of taking one slot per
 * release; small windows keep the exact rule.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(60)
class WindowEdgeTest {
    @Test
    void shouldWaitForAQuarterOfALargeWindowOnceAtItsEdge() throws Exception {
        Window window = new Window(64, Long.MAX_VALUE, 1);
        for (int i = 0; i < 64; i++) {
            window.acquire(() -> { });
        }
        AtomicInteger releases = new AtomicInteger();
        releases.incrementAndGet();
        window.release(); // 63 in flight: below the bound, at its edge
        CompletableFuture<Integer> acquired = CompletableFuture.supplyAsync(() -> {
            window.acquire(() -> { });
            return releases.get(); // how many releases it took to get in
        });
        awaitStall(window, 1);
        for (int i = 0; i < 15; i++) {
            releases.incrementAndGet(); // counted before the release: the acquirer never sees fewer than happened
            window.release();
        }
        int seen = acquired.get(30, TimeUnit.SECONDS);
        assertTrue(seen >= 16, "the program took a slot after " + seen + " releases; 16 bring 64 in flight to 48");
        assertEquals(49, window.inFlight());
    }

    @Test
    void shouldKeepTheExactRuleForSmallWindows() throws Exception {
        Window window = new Window(8, Long.MAX_VALUE, 1);
        for (int i = 0; i < 8; i++) {
            window.acquire(() -> { });
        }
        window.release();
        CompletableFuture<Void> acquired = CompletableFuture.runAsync(() -> window.acquire(() -> { }));
        acquired.get(30, TimeUnit.SECONDS); // 7 in flight in a window of 8: room for one, at once
        assertEquals(8, window.inFlight());
        assertEquals(0, window.stalls());
    }

    /** Until the program waits at the edge; a program that never does is caught by the test's hard timeout. */
    private static void awaitStall(Window window, long stalls) throws InterruptedException {
        while (window.stalls() < stalls) {
            Thread.sleep(1);
        }
    }
}
