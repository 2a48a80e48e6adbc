package org.bind.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReference;

import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The program thread's ring: one producer, several consumers, small capacities so that it wraps and fills
 * thousands of times. Every task offered successfully is taken exactly once, none is invented, and each consumer
 * takes tasks in the order they were offered.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(120)
class SubmissionRingStressTest {
    /** A task that only carries its number. */
    static final class Numbered extends VoidTask {
        private static final long serialVersionUID = 1L;
        final int number;

        Numbered(int number) {
            this.number = number;
        }

        @Override
        protected boolean exec() {
            return true;
        }
    }

    @Test
    void shouldHandEveryTaskToExactlyOneConsumerInOrder() throws Exception {
        for (int capacity : new int[] {2, 8, 64}) {
            for (int consumers : new int[] {1, 3}) {
                run(capacity, consumers, 400_000);
            }
        }
    }

    private static void run(int capacity, int consumers, int tasks) throws Exception {
        SubmissionRing ring = new SubmissionRing(capacity);
        AtomicIntegerArray taken = new AtomicIntegerArray(tasks);
        AtomicReference<String> problem = new AtomicReference<>();
        Numbered[] all = new Numbered[tasks];
        for (int i = 0; i < tasks; i++) {
            all[i] = new Numbered(i);
        }
        Thread producer = new Thread(() -> {
            for (int i = 0; i < tasks; i++) {
                while (!ring.offer(all[i])) {
                    Thread.yield(); // not a spin: on a loaded machine the other side must get the core
                }
            }
        }, "ring-producer");
        AtomicInteger remaining = new AtomicInteger(tasks);
        List<Thread> takers = new ArrayList<>();
        for (int c = 0; c < consumers; c++) {
            int me = c;
            takers.add(new Thread(() -> {
                int last = -1;
                while (remaining.get() > 0) {
                    ForkJoinTask<?> task = ring.poll();
                    if (task == null) {
                        Thread.yield(); // not a spin: on a loaded machine the other side must get the core
                        continue;
                    }
                    int n = ((Numbered) task).number;
                    if (taken.getAndIncrement(n) != 0) {
                        problem.compareAndSet(null, "task " + n + " taken twice");
                    }
                    if (n <= last) {
                        problem.compareAndSet(null, "consumer " + me + " took " + n + " after " + last);
                    }
                    last = n;
                    remaining.decrementAndGet();
                }
            }, "ring-consumer-" + c));
        }
        takers.forEach(Thread::start);
        producer.start();
        producer.join();
        for (Thread t : takers) {
            t.join();
        }
        assertNull(problem.get(), () -> "capacity " + capacity + ", " + consumers + " consumers: " + problem.get());
        for (int i = 0; i < tasks; i++) {
            assertEquals(1, taken.get(i), "task " + i);
        }
        assertTrue(ring.isEmpty());
        assertNull(ring.poll());
    }

    @Test
    void shouldRefuseWhenFullAndAcceptAgainOnceTaken() {
        SubmissionRing ring = new SubmissionRing(4);
        Numbered[] tasks = {new Numbered(0), new Numbered(1), new Numbered(2), new Numbered(3), new Numbered(4)};
        for (int i = 0; i < 4; i++) {
            assertTrue(ring.offer(tasks[i]));
        }
        assertFalse(ring.offer(tasks[4]), "a full ring refuses");
        assertSame(tasks[0], ring.poll());
        assertTrue(ring.offer(tasks[4]), "a taken slot is reused");
        for (int i = 1; i <= 4; i++) {
            assertSame(tasks[i], ring.poll());
        }
        assertNull(ring.poll());
        assertTrue(ring.isEmpty());
        assertThrows(IllegalArgumentException.class, () -> new SubmissionRing(3));
    }
}
