package org.bind;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.bind.testing.DumpStacksOnTimeout;
import org.bind.testing.Workers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** After {@code close()} no worker thread stays alive, over repeated init/close cycles, failed or not. */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(90)
class ThreadLeakTest {
    private static final Duration EXIT_LIMIT = Duration.ofSeconds(10);

    static final class Ops {
        /**
         * Waits a little for the other ops of its barrier, so that every worker gets an op to run; carries on
         * without them (this test is about threads ending, {@link ParallelismTest} about running together).
         */
        @Op
        static void meetIfPossible(@ByRef CyclicBarrier barrier, @Out IntArray mark, int value,
                                   @ByRef Set<Thread> ranOn) throws InterruptedException {
            ranOn.add(Thread.currentThread());
            try {
                barrier.await(1, TimeUnit.SECONDS);
            } catch (BrokenBarrierException | TimeoutException e) {
                // fewer workers ran at once than hoped: still fine for a leak check
            }
            mark.data()[0] = value;
        }

        @Op
        static void add(IntArray x, int value) {
            x.data()[0] += value;
        }

        @Op
        static void fail(IntArray x) {
            throw new IllegalStateException("failing on purpose");
        }
    }

    @Test
    void shouldLeaveNoWorkerThreadAfterClose() throws Exception {
        Set<Thread> before = Workers.alive();
        for (int cycle = 0; cycle < 8; cycle++) {
            int workers = 1 + cycle % 4;
            Set<Thread> ranOn;
            try (Bind bind = Bind.init(new Bind.Context().workers(workers))) {
                ranOn = startWorkers(bind, workers);
                IntArray x = IntArray.of(1);
                for (int i = 0; i < 1000; i++) {
                    Ops.add(x, i);
                }
                // close() with ops still in flight: it syncs, then stops the workers.
            }
            for (Thread t : ranOn) {
                assertTrue(t.getName().startsWith(Workers.NAME_PREFIX), "an op ran on " + t.getName());
            }
            Set<Thread> left = Workers.awaitExitExcept(before, EXIT_LIMIT);
            assertTrue(left.isEmpty(), "cycle " + cycle + ": workers alive after close: " + left);
        }
    }

    @Test
    void shouldLeaveNoWorkerThreadAfterAFailedEpochAndClose() throws Exception {
        Set<Thread> before = Workers.alive();
        for (int cycle = 0; cycle < 4; cycle++) {
            Bind bind = Bind.init(new Bind.Context().workers(2));
            try {
                startWorkers(bind, 2);
                IntArray x = IntArray.of(1);
                Ops.fail(x);
                assertThrows(OpFailedException.class, bind::sync);
                IntArray y = IntArray.of(1);
                Ops.add(y, 3);
                bind.sync();
                assertArrayEquals(new int[] {3}, y.toArray());
                Ops.fail(y); // left for close() to report
                assertThrows(OpFailedException.class, bind::close);
            } finally {
                bind.close();
            }
            Set<Thread> left = Workers.awaitExitExcept(before, EXIT_LIMIT);
            assertTrue(left.isEmpty(), "cycle " + cycle + ": workers alive after close: " + left);
        }
    }

    /** Runs one op per worker, waiting briefly for them to meet so that each worker starts; returns the threads used. */
    private static Set<Thread> startWorkers(Bind bind, int workers) throws InterruptedException {
        CyclicBarrier barrier = new CyclicBarrier(workers);
        Set<Thread> ranOn = ConcurrentHashMap.newKeySet();
        IntArray[] marks = new IntArray[workers];
        for (int i = 0; i < workers; i++) {
            marks[i] = IntArray.of(1);
            Ops.meetIfPossible(barrier, marks[i], i + 1, ranOn);
        }
        bind.sync();
        for (int i = 0; i < workers; i++) {
            assertArrayEquals(new int[] {i + 1}, marks[i].toArray());
        }
        assertFalse(ranOn.isEmpty());
        return ranOn;
    }
}
