package org.bind.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The program thread's hand-off past a full ring: the tasks that do not fit go to the inbox and still run, each
 * once, in the order the program made them ready; and the ring a window gets.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(60)
class SchedulerSpillTest {
    /** Records its number when it runs; the first one waits for a latch, holding the only worker. */
    static final class Recorded extends VoidTask {
        private static final long serialVersionUID = 1L;
        private final int number;
        private final ConcurrentLinkedQueue<Integer> ran;
        private final CountDownLatch hold;

        Recorded(int number, ConcurrentLinkedQueue<Integer> ran, CountDownLatch hold) {
            this.number = number;
            this.ran = ran;
            this.hold = hold;
        }

        @Override
        protected boolean exec() {
            try {
                if (hold != null && !hold.await(30, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("task " + number + " was never released");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ran.add(number);
            return true;
        }
    }

    @Test
    void shouldRunTasksBeyondAFullRingOnceEachInOrder() throws Exception {
        Scheduler scheduler = new Scheduler(1, "spill-test-", 1 << 20, 4, (thread, error) -> { });
        try {
            ConcurrentLinkedQueue<Integer> ran = new ConcurrentLinkedQueue<>();
            CountDownLatch hold = new CountDownLatch(1);
            List<Integer> expected = new ArrayList<>();
            List<Recorded> tasks = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                tasks.add(new Recorded(i, ran, i == 0 ? hold : null));
                expected.add(i);
            }
            // the worker takes task 0 and waits; the ring of 4 fills, the rest go to the inbox
            for (Recorded task : tasks) {
                scheduler.executeFromProgram(task);
            }
            hold.countDown();
            for (Recorded task : tasks) {
                task.get(30, TimeUnit.SECONDS);
            }
            assertEquals(expected, new ArrayList<>(ran), "tasks run once each, in the order made ready");
            // more after the spill: back through the ring once the inbox has emptied
            for (int i = 40; i < 50; i++) {
                Recorded task = new Recorded(i, ran, null);
                scheduler.executeFromProgram(task);
                task.get(30, TimeUnit.SECONDS);
                expected.add(i);
            }
            assertEquals(expected, new ArrayList<>(ran));
        } finally {
            assertTrue(scheduler.shutdown(10_000), "workers ended");
        }
    }

    @Test
    void shouldGiveTheRingRoomForTheWindowWithinBounds() {
        assertEquals(Scheduler.MIN_RING, Scheduler.ringCapacityFor(1));
        assertEquals(Scheduler.MIN_RING, Scheduler.ringCapacityFor(Scheduler.MIN_RING));
        assertEquals(8192, Scheduler.ringCapacityFor(5000));
        assertEquals(4096, Scheduler.ringCapacityFor(4096));
        assertEquals(1 << 16, Scheduler.ringCapacityFor(65_536));
        assertEquals(Scheduler.MAX_RING, Scheduler.ringCapacityFor(1L << 40));
    }
}
