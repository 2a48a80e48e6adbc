package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.In;
import org.bind.IntArray;
import org.bind.LongArray;
import org.bind.Op;
import org.bind.Scope;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A broadcast repeated step after step, as {@code bin/bench transfer}'s: the root updates an array while its previous
 * versions are still being sent down the tree (so the update copies them), and every other rank reads each version.
 * The buffers of sent versions die on the sending threads and serve the root's next copies
 * (the rank's shared pool of buffers): no version may reach a reader altered by a later one written into its
 * buffer, which a buffer reused while still being sent would do.
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class RepeatedBroadcastTest {
    private static final long JOB_TIMEOUT_S = 90;
    private static final int RANKS = 4;
    private static final int N = 64 * 1024;
    private static final int STEPS = 40;

    static final class Ops {
        @Op
        static void step(IntArray a, int k) {
            int[] x = a.data();
            for (int i = 0; i < x.length; i++) {
                x[i] = x[i] * 31 + k + i;
            }
        }

        /** Folds every element of the version read into this rank's digest of step {@code k}. */
        @Op
        static void digest(@In IntArray a, LongArray digests, int k) {
            long h = 17;
            for (int v : a.data()) {
                h = h * 1_000_003L + v;
            }
            digests.data()[k] = h;
        }
    }

    /** The digests every reader must record: the same steps run sequentially on one array. */
    private static long[] sequentialDigests() {
        int[] x = new int[N];
        long[] digests = new long[STEPS];
        for (int k = 0; k < STEPS; k++) {
            for (int i = 0; i < N; i++) {
                x[i] = x[i] * 31 + k + i;
            }
            long h = 17;
            for (int v : x) {
                h = h * 1_000_003L + v;
            }
            digests[k] = h;
        }
        return digests;
    }

    @Test
    void shouldDeliverEveryVersionIntactWhileTheRootCopiesIntoBuffersOfVersionsItSent() {
        PerRank<long[]> seen = new PerRank<>(RANKS);
        PerRank<Long> spares = new PerRank<>(RANKS);
        // 16 KiB chunks: each 256 KiB version is 16 frames to each child, so the root's copies overlap the sends; a
        // window of 8 versions' bytes: once full, the root's next update is submitted only when a version died
        InProcJob.run(RANKS, () -> new Bind.Context().chunkBytes(16 * 1024).workers(1).windowBytes(2L << 20),
            JOB_TIMEOUT_S,
            TimeUnit.SECONDS, bind -> {
                IntArray a = IntArray.of(N);
                LongArray[] digests = new LongArray[RANKS];
                for (int r = 0; r < RANKS; r++) {
                    digests[r] = LongArray.of(STEPS);
                }
                for (int k = 0; k < STEPS; k++) {
                    try (Scope s = bind.on(0)) {
                        Ops.step(a, k);
                    }
                    for (int r = 1; r < RANKS; r++) {
                        try (Scope s = bind.on(r)) {
                            Ops.digest(a, digests[r], k);
                        }
                    }
                }
                bind.sync();
                if (bind.rank() > 0) {
                    seen.put(bind.rank(), digests[bind.rank()].toArray());
                }
                spares.put(bind.rank(), bind.counters().sharedPoolReused());
            });
        long[] expected = sequentialDigests();
        for (int r = 1; r < RANKS; r++) {
            assertArrayEquals(expected, seen.get(r), "the digest of every version rank " + r + " read");
        }
        // the root's update of step k copies version k-1 (still being sent) into a buffer; once the window is full,
        // an update is submitted only after a version died, on the sending thread that sent its last chunk (the
        // update that read it copied it long before): over 40 steps such a buffer serves at least one copy
        assertTrue(spares.get(0) > 0, "the root reused no buffer of a version it had sent (" + spares.get(0) + ")");
    }
}
