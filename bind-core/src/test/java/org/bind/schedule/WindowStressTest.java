package org.bind.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The window's counts (the program thread's own acquired count, transfers entered by other threads, releases by
 * any thread) under contention: a program thread acquires a slot per op and hands the op to two releasing threads
 * while a third thread enters and releases transfers. Counted independently, the ops in flight never exceed the
 * window when an acquire returns, the program is blocked and woken thousands of times, and once everything is
 * released the window is empty.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(120)
class WindowStressTest {
    private static final Integer STOP = -1;

    @Test
    void shouldNeverAdmitMoreOpsThanTheWindowAndEndEmpty() throws Exception {
        for (int maxOps : new int[] {1, 2, 7}) {
            run(maxOps, 100_000, 50_000);
        }
    }

    private static void run(int maxOps, int ops, int transfers) throws Exception {
        Window window = new Window(maxOps, Long.MAX_VALUE, 1);
        AtomicInteger live = new AtomicInteger(); // acquired and not yet released: decremented before release()
        AtomicReference<String> problem = new AtomicReference<>();
        BlockingQueue<Integer> handOff = new ArrayBlockingQueue<>(maxOps + 2);
        List<Thread> threads = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            threads.add(new Thread(() -> {
                try {
                    while (handOff.take() != STOP) {
                        live.decrementAndGet();
                        window.release();
                    }
                } catch (InterruptedException e) {
                    problem.compareAndSet(null, "releaser interrupted");
                }
            }, "window-releaser-" + r));
        }
        threads.add(new Thread(() -> {
            for (int i = 0; i < transfers; i++) {
                window.enter();
                Thread.onSpinWait();
                window.release();
            }
        }, "window-transfers"));
        Thread program = new Thread(() -> {
            try {
                for (int i = 0; i < ops; i++) {
                    window.acquire(() -> { });
                    int now = live.incrementAndGet();
                    if (now > maxOps) {
                        problem.compareAndSet(null, now + " ops in flight in a window of " + maxOps);
                    }
                    handOff.put(i);
                }
                window.awaitInFlightAtMost(0);
                handOff.put(STOP);
                handOff.put(STOP);
            } catch (InterruptedException e) {
                problem.compareAndSet(null, "program interrupted");
            }
        }, "window-program");
        threads.forEach(Thread::start);
        program.start();
        program.join();
        for (Thread t : threads) {
            t.join();
        }
        assertNull(problem.get(), () -> "window of " + maxOps + ": " + problem.get());
        assertEquals(0, window.inFlight(), "window of " + maxOps + " after every release");
        assertEquals(0, live.get());
        assertTrue(window.stalls() > 0, "the program never found the window of " + maxOps + " full");
    }
}
