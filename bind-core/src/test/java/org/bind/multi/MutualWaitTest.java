package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.BindException;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rank that skips an op call every rank must record can leave two ranks each waiting in {@code sync()} for data
 * the other produces only after its own wait: neither sends its {@code SYNC}. Every rank then reports that it is
 * idle and what it sent and received; when those counts match, nothing is in transit and nothing can run, and
 * every rank fails with the divergence instead of hanging. A rank that is only slow is never reported.
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 40, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class MutualWaitTest {
    private static final long JOB_TIMEOUT_S = 20;
    private static final int N = 8;
    private static final long SLOW_MS = 2_000;

    static final class ChainOps {
        static volatile boolean slow;

        @Op
        static void fill(@Out IntArray x) {
            for (int i = 0; i < x.length(); i++) {
                x.data()[i] = i + 1;
            }
        }

        @Op
        static void step(@In IntArray x, @Out IntArray y) {
            if (slow) {
                try {
                    Thread.sleep(SLOW_MS); // a rank that is slow, not one that skipped the call
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException("interrupted", e);
                }
            }
            for (int i = 0; i < y.length(); i++) {
                y.data()[i] = x.data()[i] * 2;
            }
        }

        @Op
        static void use(@In IntArray y, @Out IntArray z) {
            for (int i = 0; i < z.length(); i++) {
                z.data()[i] = y.data()[i] + 1;
            }
        }

        @Op
        static void finish(@In IntArray z, @Out IntArray w) {
            for (int i = 0; i < w.length(); i++) {
                w.data()[i] = z.data()[i] * 3;
            }
        }
    }

    /**
     * x made on rank 0, y from x on rank 1, z from y on rank 0, w from z on rank 1. Rank {@code skipper} (if any)
     * does not record {@code step}: rank 0 waits for y, rank 1 for z, and rank 0 makes z only from y.
     */
    private static IntArray chain(Bind bind, int skipper) {
        IntArray x = IntArray.of(N);
        IntArray y = IntArray.of(N);
        IntArray z = IntArray.of(N);
        IntArray w = IntArray.of(N);
        try (Scope s = bind.on(0)) {
            ChainOps.fill(x);
        }
        if (bind.rank() != skipper) {
            try (Scope s = bind.on(1)) {
                ChainOps.step(x, y);
            }
        }
        try (Scope s = bind.on(0)) {
            ChainOps.use(y, z);
        }
        try (Scope s = bind.on(1)) {
            ChainOps.finish(z, w);
        }
        return w;
    }

    private static void shouldReportTheSkippedCallOnEveryRank(int ranks) {
        ChainOps.slow = false;
        PerRank<BindException> caught = new PerRank<>(ranks);
        InProcJob.run(ranks, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
            chain(bind, 1);
            caught.put(bind.rank(), assertThrows(BindException.class, bind::sync, "sync on rank " + bind.rank()));
        });
        for (int r = 0; r < ranks; r++) {
            String message = caught.get(r).getMessage();
            assertTrue(message.contains("DAG divergence at op #1"), "rank " + r + ": " + message);
            assertTrue(message.contains("submitted ChainOps.step on rank 1"), "rank " + r + ": " + message);
        }
    }

    @Test
    void shouldReportTwoRanksWaitingForEachOtherInsteadOfHanging() {
        shouldReportTheSkippedCallOnEveryRank(2);
    }

    @Test
    void shouldReportTwoRanksWaitingForEachOtherWhileAThirdHasSynced() {
        shouldReportTheSkippedCallOnEveryRank(3);
    }

    @Test
    void shouldNotReportARankThatIsSlowInsideAnOp() {
        ChainOps.slow = true;
        try {
            PerRank<int[]> result = new PerRank<>(2);
            InProcJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
                IntArray w = chain(bind, -1);
                bind.sync();
                if (bind.rank() == 1) {
                    result.put(1, w.toArray());
                }
            });
            int[] expected = new int[N];
            for (int i = 0; i < N; i++) {
                expected[i] = ((i + 1) * 2 + 1) * 3;
            }
            assertArrayEquals(expected, result.get(1));
        } finally {
            ChainOps.slow = false;
        }
    }
}
