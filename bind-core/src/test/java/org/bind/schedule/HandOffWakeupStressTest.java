package org.bind.schedule;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.SplittableRandom;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.bind.testing.DumpStacksOnTimeout;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * No lost wake-up in the program thread's hand-off: a submission stores its ring slot without a fence, so the
 * last drainer may leave while a task it did not see is on its way. Bursts of 1 to 40 tasks separated by pauses
 * around the drainers' linger time (where they leave) and the grace of the last one, and after each burst the
 * program thread waits for the burst to run WITHOUT calling anything of the scheduler (no {@code flushFromProgram},
 * as a program computing on its own after an op). Every task must run: a lost wake-up leaves a burst in the ring
 * and the round fails after a minute, naming it. A second case starts each burst with a task that blocks its
 * worker until the rest of the burst has run (at most 2 s): that happens only if another drainer is started for
 * them. A task that arrives in the nanoseconds in which the only drainer takes the blocking one may wait for it
 * (no fence orders the two; the wait is bounded by the task), so the case tolerates a few such rounds, and fails
 * when more than 10 of 300 wait in vain, which a scheduler that never starts the second drainer does every time.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(300)
class HandOffWakeupStressTest {
    /** How long a round may wait for its burst before it counts as lost: a hang detector, not a timing check. */
    private static final long LOST_AFTER_NS = TimeUnit.SECONDS.toNanos(60);
    /** How long a blocking task waits for the rest of its burst before it gives its worker back. */
    private static final long BLOCK_AT_MOST_NS = TimeUnit.SECONDS.toNanos(2);
    private static final int IN_VAIN_TOLERATED = 10;

    /** Counts its run; a blocking one first waits until {@code done} reaches {@code blockUntil} (its burst). */
    static final class Counted extends ForkJoinTask<Void> {
        private static final long serialVersionUID = 1L;
        private final transient AtomicLong done;
        private final long blockUntil;
        private final transient AtomicLong blockedInVain;

        Counted(AtomicLong done, long blockUntil, AtomicLong blockedInVain) {
            this.done = done;
            this.blockUntil = blockUntil;
            this.blockedInVain = blockedInVain;
        }

        @Override
        protected boolean exec() {
            long start = System.nanoTime();
            while (done.get() < blockUntil) {
                if (System.nanoTime() - start > BLOCK_AT_MOST_NS) {
                    blockedInVain.incrementAndGet(); // no other drainer came: give the worker back
                    break;
                }
                LockSupport.parkNanos(1_000);
            }
            done.incrementAndGet();
            return true;
        }

        @Override
        public Void getRawResult() {
            return null;
        }

        @Override
        protected void setRawResult(Void value) {
        }
    }

    @Test
    void shouldRunEveryBurstWithoutAFlushWhateverThePause() {
        for (int workers : new int[] {1, 2}) {
            rounds(workers, 1500, false, 0xB1ADL + workers);
        }
    }

    @Test
    void shouldStartAnotherDrainerWhenTheOnlyOneIsBlocked() {
        rounds(2, 300, true, 0x10A6L);
    }

    private static void rounds(int workers, int rounds, boolean blockFirst, long seed) {
        Scheduler scheduler = new Scheduler(workers, "handoff-test-", 1 << 20, (t, e) -> e.printStackTrace());
        AtomicLong blockedInVain = new AtomicLong();
        try {
            SplittableRandom random = new SplittableRandom(seed);
            AtomicLong done = new AtomicLong();
            long submitted = 0;
            for (int round = 0; round < rounds; round++) {
                pause(random);
                int burst = blockFirst ? 2 + random.nextInt(8) : random.nextInt(4) == 0 ? 1 + random.nextInt(40) : 1;
                long restDone = done.get() + burst - 1; // the count once every task of the burst but the first ran
                for (int i = 0; i < burst; i++) {
                    scheduler.executeFromProgram(new Counted(done, blockFirst && i == 0 ? restDone : 0,
                        blockedInVain));
                    submitted++;
                }
                awaitWithoutFlush(done, submitted, round, burst, workers);
                int finished = round;
                assertTrue(blockedInVain.get() <= IN_VAIN_TOLERATED, () -> blockedInVain.get() + " bursts by round "
                    + finished + " whose blocking first task waited in vain for the rest: no second drainer started");
            }
            assertEquals(submitted, done.get());
        } finally {
            assertTrue(scheduler.shutdown(10_000), "workers stopped");
        }
    }

    /** 0 to ~400 us, half of them within 20 us of the linger (50 us) or of the linger plus the grace (~150 us). */
    private static void pause(SplittableRandom random) {
        long ns = switch (random.nextInt(4)) {
            case 0 -> random.nextLong(400_000);
            case 1 -> 40_000 + random.nextLong(30_000);
            case 2 -> 140_000 + random.nextLong(30_000);
            default -> random.nextLong(3_000);
        };
        long until = System.nanoTime() + ns;
        while (System.nanoTime() - until < 0) {
            Thread.onSpinWait();
        }
    }

    private static void awaitWithoutFlush(AtomicLong done, long expected, int round, int burst, int workers) {
        long start = System.nanoTime();
        while (done.get() < expected) {
            if (System.nanoTime() - start > LOST_AFTER_NS) {
                fail("lost wake-up: round " + round + " (" + workers + " workers): " + (expected - done.get())
                    + " of a burst of " + burst + " tasks never ran");
            }
            LockSupport.parkNanos(1_000);
        }
    }
}
