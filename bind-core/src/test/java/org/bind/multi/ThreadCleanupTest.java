package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import org.bind.Bind;
import org.bind.BindException;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.OpFailedException;
import org.bind.Scope;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** After {@code InProcJob.run} returns, however the job ended, none of its threads is left. */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class ThreadCleanupTest {
    private static final long JOB_TIMEOUT_S = 20;
    private static final long DEADLINE_MS = 10_000;
    private static final List<String> PREFIXES = List.of("bind-worker-", "bind-inproc-", "bind-rank-", "bind-send-");

    static final class Ops {
        @Op
        static void explode(IntArray a) {
            throw new IllegalStateException("exploded on purpose");
        }
    }

    private static Set<Thread> runtimeThreads() {
        return Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && PREFIXES.stream().anyMatch(p -> t.getName().startsWith(p)))
            .collect(Collectors.toSet());
    }

    /** Runs {@code job} and waits, up to a deadline, for every runtime thread it started to end. */
    private static void assertNoThreadsLeftBy(Runnable job) throws InterruptedException {
        Set<Thread> before = runtimeThreads();
        job.run();
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEADLINE_MS);
        while (true) {
            Set<Thread> left = runtimeThreads();
            left.removeAll(before);
            if (left.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                InProcJob.dumpThreads();
                fail("threads left " + DEADLINE_MS + " ms after the job: "
                    + left.stream().map(Thread::getName).sorted().toList());
            }
            Thread.sleep(20);
        }
    }

    private static void program(Bind bind) {
        IntArray a = IntArray.of(100);
        IntArray b = IntArray.of(100);
        try (Scope s = bind.on(bind.size() - 1)) {
            IntOps.fill(a, 3);
        }
        IntOps.copy(a, b);
        bind.sync();
    }

    @Test
    void shouldLeaveNoThreadsAfterAJobThatSucceeded() throws InterruptedException {
        assertNoThreadsLeftBy(() -> InProcJob.run(4, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS,
            ThreadCleanupTest::program));
    }

    @Test
    void shouldLeaveNoThreadsAfterAJobWhoseOpFailed() throws InterruptedException {
        assertNoThreadsLeftBy(() -> InProcJob.run(3, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(10);
            try (Scope s = bind.on(1)) {
                Ops.explode(a);
            }
            assertThrows(OpFailedException.class, bind::sync);
        }));
    }

    @Test
    void shouldLeaveNoThreadsAfterAJobWhoseRankThrew() throws InterruptedException {
        assertNoThreadsLeftBy(() -> {
            InProcJob.JobFailedException e = assertThrows(InProcJob.JobFailedException.class,
                () -> InProcJob.run(3, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
                    IntArray a = IntArray.of(10);
                    try (Scope s = bind.on(2)) {
                        IntOps.fill(a, 1);
                    }
                    if (bind.rank() == 1) {
                        throw new IllegalStateException("rank 1 gives up");
                    }
                    bind.sync();
                }));
            assertTrue(e.failures().containsKey(1), e.getMessage());
        });
    }

    @Test
    void shouldLeaveNoThreadsAfterAJobThatDiverged() throws InterruptedException {
        assertNoThreadsLeftBy(() -> InProcJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            IntArray a = IntArray.of(10);
            if (bind.rank() == 0) {
                IntOps.fill(a, 1);
            }
            assertThrows(RuntimeException.class, bind::sync);
        }));
    }

    @Test
    void shouldLeaveNoThreadsAfterAJobThatTimedOut() throws InterruptedException {
        CountDownLatch stuck = new CountDownLatch(1);
        assertNoThreadsLeftBy(() -> {
            BindException e = assertThrows(BindException.class,
                () -> InProcJob.run(2, Bind.Context::new, 2, TimeUnit.SECONDS, bind -> {
                    IntArray a = IntArray.of(10);
                    IntOps.fill(a, 1);
                    if (bind.rank() == 1) {
                        stuck.await(30, TimeUnit.SECONDS);   // the user's program hangs here past the job's timeout
                    }
                    bind.sync();
                }));
            assertTrue(e.getMessage().contains("did not finish"), e.getMessage());
            stuck.countDown();                                    // the user's code returns; the runtime must wind down
        });
    }

    @Test
    void shouldLeaveNoThreadsAfterManyJobs() throws InterruptedException {
        assertNoThreadsLeftBy(() -> {
            for (int i = 0; i < 20; i++) {
                InProcJob.run(1 + i % 4, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, ThreadCleanupTest::program);
            }
        });
    }
}
