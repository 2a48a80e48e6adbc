package org.bind.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntSupplier;

import org.bind.testing.DumpStacksOnTimeout;
import org.bind.testing.ThreadDumps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Ops a finishing op makes ready on a worker (forked onto its deque) all run, whether another worker lingers in a
 * drainer (and takes one at once, on the surplus hint), was parked (woken by the pool) or nobody takes them but their
 * maker; pauses between runs of steps let the lingering workers give up and park, so that a task left in a deque
 * with every worker parked shows as a run that never ends. And tasks that linger in place
 * ({@link Scheduler#afterTask}) while the program keeps submitting through the ring run each exactly once.
 *
 * <p>That the two ops of a step run at the same time is not asserted: the pool promises progress, not parallelism,
 * for tasks in a busy worker's deque (a worker that goes idle just as the other pushes is not signalled, and the
 * pusher runs both), so ops that wait for each other are not supported. No timing is asserted; every wait has a
 * timeout.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(120)
class WorkerHandOffTest {
    /** One of a step's two tasks; the second to finish makes the next step's two ready from its worker. */
    static final class Step extends VoidTask {
        private static final long serialVersionUID = 1L;
        private final Steps steps;
        private final int step;
        private final AtomicInteger finished;

        Step(Steps steps, int step, AtomicInteger finished) {
            this.steps = steps;
            this.step = step;
            this.finished = finished;
        }

        @Override
        protected boolean exec() {
            steps.ran.incrementAndGet();
            int now = finished.incrementAndGet();
            if (now == 2) {
                steps.next(step + 1);
            } else if (now > 2) {
                steps.failures.add(new AssertionError("step " + step + ": a task ran twice"));
            }
            Scheduler.afterTask();
            return true;
        }
    }

    /** A run of steps: the first made ready by the program, the others by workers. */
    static final class Steps {
        final Scheduler scheduler;
        final int last;
        final CountDownLatch done = new CountDownLatch(1);
        final ConcurrentLinkedQueue<Throwable> failures = new ConcurrentLinkedQueue<>();
        final AtomicInteger made = new AtomicInteger();
        final AtomicInteger ran = new AtomicInteger();

        Steps(Scheduler scheduler, int last) {
            this.scheduler = scheduler;
            this.last = last;
        }

        void next(int step) {
            if (step > last) {
                done.countDown();
                return;
            }
            made.addAndGet(2);
            AtomicInteger finished = new AtomicInteger();
            scheduler.execute(new Step(this, step, finished)); // from a worker: onto its own deque
            scheduler.execute(new Step(this, step, finished));
        }
    }

    @Test
    void shouldRunTheOpsAFinishingOpMadeReadyAfterPausesToo() throws Exception {
        Scheduler scheduler = new Scheduler(2, "hand-off-test-", 1 << 20, 1024, (thread, error) -> { });
        try {
            for (int run = 0; run < 40; run++) {
                Steps steps = new Steps(scheduler, 2_000);
                AtomicInteger finished = new AtomicInteger();
                steps.made.addAndGet(2);
                scheduler.executeFromProgram(new Step(steps, 1, finished));
                scheduler.executeFromProgram(new Step(steps, 1, finished));
                if (!steps.done.await(60, TimeUnit.SECONDS)) {
                    throw new AssertionError("run " + run + ": " + steps.ran.get() + " of " + steps.made.get()
                        + " tasks ran within 60 s; " + scheduler + "; threads:\n" + ThreadDumps.allThreads());
                }
                if (!steps.failures.isEmpty()) {
                    throw new AssertionError("run " + run, steps.failures.peek());
                }
                assertEquals(4_000, steps.made.get(), "run " + run + ": tasks made ready");
                // the last step's second task counts itself before it ends the run; the first may still be counting
                awaitCount(steps.ran::get, 4_000, "run " + run + ": tasks run");
                // a pause longer than a drainer lingers (50 us): the workers go back to the pool and park
                LockSupport.parkNanos(1_000_000L + ThreadLocalRandom.current().nextLong(2_000_000L));
            }
        } finally {
            assertTrue(scheduler.shutdown(10_000), "workers ended");
        }
    }

    /** Counts itself and makes up to {@code fanOut} children ready from its worker, then lingers in place. */
    static final class Spawning extends VoidTask {
        private static final long serialVersionUID = 1L;
        private final Scheduler scheduler;
        private final int depth;
        private final AtomicLong made;
        private final AtomicLong ran;

        Spawning(Scheduler scheduler, int depth, AtomicLong made, AtomicLong ran) {
            this.scheduler = scheduler;
            this.depth = depth;
            this.made = made;
            this.ran = ran;
        }

        @Override
        protected boolean exec() {
            if (depth > 0) {
                int children = ThreadLocalRandom.current().nextInt(3);
                for (int i = 0; i < children; i++) {
                    made.incrementAndGet();
                    scheduler.execute(new Spawning(scheduler, depth - 1, made, ran));
                }
            }
            ran.incrementAndGet(); // after the children are counted as made: ran never passes made
            Scheduler.afterTask();
            return true;
        }
    }

    @Test
    void shouldRunEveryTaskOnceWhileWorkersLingerInPlaceAndTheProgramSubmits() throws Exception {
        for (int workers : new int[] {1, 2, 3}) {
            Scheduler scheduler = new Scheduler(workers, "linger-test-", 1 << 20, 64, (thread, error) -> { });
            try {
                AtomicLong made = new AtomicLong();
                AtomicLong ran = new AtomicLong();
                for (int round = 0; round < 200; round++) {
                    for (int i = 0; i < 500; i++) {
                        made.incrementAndGet();
                        scheduler.executeFromProgram(new Spawning(scheduler, 4, made, ran));
                    }
                    if (round % 20 == 0) {
                        awaitAllRan(made, ran, workers);
                        LockSupport.parkNanos(200_000L); // the drainers give up lingering; the next round wakes them
                    }
                }
                awaitAllRan(made, ran, workers);
                assertEquals(made.get(), ran.get(), workers + " workers: every task made ready ran once");
            } finally {
                assertTrue(scheduler.shutdown(10_000), "workers ended");
            }
        }
    }

    @Test
    void shouldDoNothingAfterATaskOffTheWorkers() {
        Scheduler.afterTask(); // the test's own thread: returns at once
    }

    private static void awaitCount(IntSupplier count, int expected, String what) {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (count.getAsInt() < expected) {
            if (System.nanoTime() > deadlineNs) {
                throw new AssertionError(what + ": " + count.getAsInt() + " of " + expected + " within 60 s");
            }
            Thread.onSpinWait();
        }
        assertEquals(expected, count.getAsInt(), what);
    }

    private static void awaitAllRan(AtomicLong made, AtomicLong ran, int workers) {
        long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (ran.get() < made.get()) {
            if (System.nanoTime() > deadlineNs) {
                throw new AssertionError(workers + " workers: " + ran.get() + " of " + made.get()
                    + " tasks ran within 60 s: a task made ready was never run");
            }
            Thread.onSpinWait();
        }
        assertEquals(made.get(), ran.get(), "no task ran twice");
    }
}
