package org.bind.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
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
 * released the window is empty. The releasing threads are plain threads (they share one stripe of the release
 * count) or the workers of a pool (each counts on its own stripe).
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(120)
class WindowStressTest {
    private static final Integer STOP = -1;

    @Test
    void shouldNeverAdmitMoreOpsThanTheWindowAndEndEmpty() throws Exception {
        for (int maxOps : new int[] {1, 2, 7}) {
            run(maxOps, 100_000, 50_000, false);
            run(maxOps, 100_000, 50_000, true);
        }
    }

    private static void run(int maxOps, int ops, int transfers, boolean onPoolWorkers) throws Exception {
        Window window = new Window(maxOps, Long.MAX_VALUE, 1);
        AtomicInteger live = new AtomicInteger(); // acquired and not yet released: decremented before release()
        AtomicReference<String> problem = new AtomicReference<>();
        BlockingQueue<Integer> handOff = new ArrayBlockingQueue<>(maxOps + 2);
        Runnable releaser = () -> {
            try {
                while (handOff.take() != STOP) {
                    live.decrementAndGet();
                    window.release();
                }
            } catch (InterruptedException e) {
                problem.compareAndSet(null, "releaser interrupted");
            }
        };
        List<Thread> threads = new ArrayList<>();
        ForkJoinPool pool = onPoolWorkers ? new ForkJoinPool(2) : null;
        List<Future<?>> onPool = new ArrayList<>();
        for (int r = 0; r < 2; r++) {
            if (pool != null) {
                onPool.add(pool.submit(releaser));
            } else {
                threads.add(new Thread(releaser, "window-releaser-" + r));
            }
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
        for (Future<?> f : onPool) {
            f.get();
        }
        if (pool != null) {
            pool.shutdown();
        }
        String where = "window of " + maxOps + (onPoolWorkers ? ", released on pool workers" : "");
        assertNull(problem.get(), () -> where + ": " + problem.get());
        assertEquals(0, window.inFlight(), where + " after every release");
        assertEquals(0, live.get());
        assertTrue(window.stalls() > 0, "the program never found the " + where + " full");
    }
}
