package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rank whose program throws is gone: every other rank's next blocking call fails, naming the rank and what its
 * program threw, instead of waiting for it. A hang is caught by the job's timeout.
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class LostRankTest {
    private static final long JOB_TIMEOUT_S = 10;

    private static boolean mentions(Throwable error, String text) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains(text)) {
                return true;
            }
        }
        return false;
    }

    private static final String GAVE_UP = "rank 1 gave up on the job: main threw java.lang.IllegalStateException: rank 1 gives up";

    @Test
    void shouldFailTheNextSyncOfEveryOtherRankNamingTheRankWhenARankProgramThrows() {
        IllegalStateException death = new IllegalStateException("rank 1 gives up");
        PerRank<Throwable> seen = new PerRank<>(3);
        InProcJob.JobFailedException e = assertThrows(InProcJob.JobFailedException.class,
            () -> InProcJob.run(3, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
                IntArray a = IntArray.of(8);
                try (Scope s = bind.on(1)) {
                    IntOps.fill(a, 1);
                }
                bind.sync();
                if (bind.rank() == 1) {
                    throw death;
                }
                try {
                    bind.sync();
                    seen.put(bind.rank(), new AssertionError("sync returned normally"));
                } catch (RuntimeException lost) {
                    seen.put(bind.rank(), lost);
                }
            }));
        assertEquals(death, e.failures().get(1), e.getMessage());
        for (int r : new int[] {0, 2}) {
            assertTrue(mentions(seen.get(r), GAVE_UP), "sync on rank " + r + " after rank 1 died: " + seen.get(r));
        }
    }

    /** Rank 0's op runs until rank 2 is lost and rank 0's sync has failed for it. */
    static final class Blocking {
        static volatile CountDownLatch running = new CountDownLatch(1);
        static volatile CountDownLatch release = new CountDownLatch(1);

        @Op
        static void fillWhenReleased(@Out IntArray a) throws InterruptedException {
            running.countDown();
            if (!release.await(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("not released within 20 s");
            }
            java.util.Arrays.fill(a.data(), 1);
        }
    }

    @Test
    void shouldBreakTheJobOnceWhenAPeerIsLostWhileSyncWaitsForThisRanksOwnOps() {
        Blocking.running = new CountDownLatch(1);
        Blocking.release = new CountDownLatch(1);
        PerRank<String> syncs = new PerRank<>(3);
        PerRank<String> closes = new PerRank<>(3);
        WatchedJob.run(3, Bind.Context::new, 30, (bind, job) -> {
            IntArray a = IntArray.of(8);
            try (Scope s = bind.on(0)) {
                Blocking.fillWhenReleased(a);
            }
            if (bind.rank() == 2) {
                Blocking.running.await();
                job.lose(2, "killed by the test");
                try {
                    bind.close(); // its own end is closed: whatever this says, rank 2 is the one lost
                } catch (RuntimeException expected) {
                    // named by the others
                }
                return;
            }
            try {
                bind.sync();
                syncs.put(bind.rank(), "returned normally");
            } catch (RuntimeException e) {
                syncs.put(bind.rank(), e.getMessage());
            } finally {
                Blocking.release.countDown();
            }
            try {
                bind.close();
                closes.put(bind.rank(), "");
            } catch (RuntimeException e) {
                closes.put(bind.rank(), e.getMessage());
            }
        });
        for (int r = 0; r < 2; r++) {
            assertTrue(syncs.get(r).contains("rank 2 lost"), "sync on rank " + r + ": " + syncs.get(r));
            // the job broke at that sync: the closing one is not tried again, failing a second time
            assertEquals("", closes.get(r), "close on rank " + r);
        }
    }

    @Test
    void shouldFailARankWhoseWindowIsFullOfOpsWaitingForALostRank() {
        InProcJob.JobFailedException e = assertThrows(InProcJob.JobFailedException.class,
            () -> InProcJob.run(2, () -> new Bind.Context().windowOps(2), JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
                IntArray a = IntArray.of(8);
                IntArray[] b = new IntArray[6];
                for (int i = 0; i < b.length; i++) {
                    b[i] = IntArray.of(8);
                }
                bind.sync();
                if (bind.rank() == 1) {
                    throw new IllegalStateException("rank 1 gives up");
                }
                try (Scope s = bind.on(1)) {
                    IntOps.fill(a, 2);
                }
                for (IntArray target : b) {
                    try (Scope s = bind.on(0)) {
                        IntOps.copy(a, target);
                    }
                }
                bind.sync();
            }));
        assertTrue(mentions(e.failures().get(0), GAVE_UP), "rank 0: " + e.failures().get(0));
    }
}
