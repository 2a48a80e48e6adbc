package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.bind.Bind;
import org.bind.BindException;
import org.bind.IntArray;
import org.bind.Scope;
import org.bind.testing.Deadline;
import org.bind.transport.inproc.InProcTransport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rank whose transport closes (its process ended) before the sync, while the others still wait for its data or
 * its SYNC: the others fail naming it, instead of waiting for it. The rank ends by closing its transport end
 * directly, as a rank whose JVM ends does, without {@code sync()} or {@code abort()}.
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class ClosedPeerTest {
    private static final int N = 64;
    private static final String CLOSED = "rank 1 closed its transport (ended) before the sync of epoch 0";

    /**
     * Runs {@code program} on every rank but 1 of a job of {@code size} in-JVM ranks; rank 1 submits the job's first ops
     * (it fills {@code a}, which the other ranks then read) and closes its transport; ranks above 1 run the
     * program too. Fails with the first assertion error of any rank, after every rank has finished.
     */
    private static void job(int size, Consumer<Bind> program) throws Exception {
        InProcTransport[] ends = InProcTransport.create(size);
        Thread[] ranks = new Thread[size];
        Throwable[] failed = new Throwable[size];
        // the waiting ranks give up only once each has seen the close: a rank's abort must not be what another sees
        java.util.concurrent.CountDownLatch seen = new java.util.concurrent.CountDownLatch(size - 1);
        for (int r = 0; r < size; r++) {
            int rank = r;
            ranks[r] = new Thread(() -> {
                Bind bind = Bind.init(new Bind.Context().transport(ends[rank]).workers(2));
                try {
                    if (rank == 1) {
                        IntArray a = IntArray.of(N);
                        try (Scope s = bind.on(1)) {
                            IntOps.fill(a, 7);
                        }
                        ends[1].close();   // ends without sync: the others are still to receive a
                    } else {
                        try {
                            program.accept(bind);
                        } finally {
                            seen.countDown();
                        }
                        seen.await(20, TimeUnit.SECONDS);
                    }
                } catch (Throwable t) {
                    failed[rank] = t;
                } finally {
                    bind.abort("the test is over");
                }
            }, "closed-peer-rank-" + r);
            ranks[r].start();
        }
        Deadline.run("closed-peer job", java.time.Duration.ofSeconds(30), () -> {
            for (Thread t : ranks) {
                t.join();
            }
            return null;
        });
        for (int r = 0; r < size; r++) {
            if (failed[r] != null) {
                throw new AssertionError("rank " + r + " failed", failed[r]);
            }
        }
    }

    /** The error, or one of its causes (a read names the receive that failed, caused by the close), names rank 1. */
    private static void assertNamesTheClosedRank(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (String.valueOf(t.getMessage()).contains(CLOSED)) {
                return;
            }
        }
        throw new AssertionError("no \"" + CLOSED + "\" in the error or its causes", error);
    }

    @Test
    void shouldFailTheSyncOfARankWaitingForDataOfARankThatClosedItsTransport() throws Exception {
        job(2, bind -> {
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            try (Scope s = bind.on(1)) {
                IntOps.fill(a, 7);
            }
            IntOps.copy(a, b);   // common: rank 0 waits for a from rank 1
            assertNamesTheClosedRank(assertThrows(BindException.class, bind::sync));
        });
    }

    @Test
    void shouldFailAReadWaitingForDataOfARankThatClosedItsTransport() throws Exception {
        job(3, bind -> {
            IntArray a = IntArray.of(N);
            IntArray b = IntArray.of(N);
            try (Scope s = bind.on(1)) {
                IntOps.fill(a, 7);
            }
            try (Scope s = bind.on(bind.rank())) {
                IntOps.copy(a, b);   // waits for a from rank 1
            }
            assertNamesTheClosedRank(assertThrows(BindException.class, b::toArray));
        });
    }

    @Test
    void shouldFailTheSyncOfARankWaitingOnlyForTheSyncOfARankThatClosedItsTransport() throws Exception {
        job(2, bind -> {
            IntArray a = IntArray.of(N);
            try (Scope s = bind.on(1)) {
                IntOps.fill(a, 7);
            }
            IntArray c = IntArray.of(N);
            IntOps.fill(c, 3);   // common, local: nothing to receive from rank 1, only its SYNC
            assertNamesTheClosedRank(assertThrows(BindException.class, bind::sync));
        });
    }

    @Test
    void shouldNotMistakeTheCloseAfterTheLastSyncForALoss() throws Exception {
        InProcTransport[] ends = InProcTransport.create(2);
        int[][] seen = new int[2][];
        Throwable[] failed = new Throwable[2];
        Thread[] ranks = new Thread[2];
        for (int r = 0; r < 2; r++) {
            int rank = r;
            ranks[r] = new Thread(() -> {
                try (Bind bind = Bind.init(new Bind.Context().transport(ends[rank]).workers(2))) {
                    IntArray a = IntArray.of(N);
                    try (Scope s = bind.on(1)) {
                        IntOps.fill(a, 7);
                    }
                    bind.replicate(a);
                    bind.sync();
                    seen[rank] = a.toArray();
                } catch (Throwable t) {
                    failed[rank] = t;
                } finally {
                    ends[rank].close();
                }
            }, "closed-peer-rank-" + r);
            ranks[r].start();
        }
        Deadline.run("clean job", java.time.Duration.ofSeconds(30), () -> {
            for (Thread t : ranks) {
                t.join();
            }
            return null;
        });
        int[] expected = new int[N];
        java.util.Arrays.fill(expected, 7);
        for (int r = 0; r < 2; r++) {
            if (failed[r] != null) {
                throw new AssertionError("rank " + r + " failed", failed[r]);
            }
            assertArrayEquals(expected, seen[r], "rank " + r);
        }
    }
}
