package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.In;
import org.bind.IntArray;
import org.bind.LongArray;
import org.bind.Op;
import org.bind.Scope;
import org.bind.dag.Counters;
import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A broadcast repeated step after step, as {@code bin/bench transfer}'s: the root updates an array while its previous
 * versions are still being sent down the tree (so the update copies them), and every other rank reads each version.
 * The buffers of sent versions die on the sending threads and serve the root's next copies
 * (the rank's shared pool of buffers): no version may reach a reader altered by a later one written into its
 * buffer, which a buffer reused while still being sent would do. On the receiving ranks, a version usually dies on
 * the worker that ran its last reader, after the program thread moved on: its buffer returns to the rank's shared
 * pool, where the next versions received land instead of in new arrays.
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

    /**
     * Runs the broadcast: step {@code k} on rank 0, then a digest of the version on every other rank, STEPS times,
     * with a sync after every {@code syncEvery} steps; returns each rank's counters and checks every digest against a
     * sequential run.
     */
    private static PerRank<Counters> broadcast(int chunkBytes, long windowBytes, int syncEvery) {
        PerRank<long[]> seen = new PerRank<>(RANKS);
        PerRank<Counters> counters = new PerRank<>(RANKS);
        InProcJob.run(RANKS, () -> new Bind.Context().chunkBytes(chunkBytes).workers(1).windowBytes(windowBytes),
            JOB_TIMEOUT_S, TimeUnit.SECONDS, bind -> {
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
                    if ((k + 1) % syncEvery == 0) {
                        bind.sync();
                    }
                }
                bind.sync();
                if (bind.rank() > 0) {
                    seen.put(bind.rank(), digests[bind.rank()].toArray());
                }
                counters.put(bind.rank(), bind.counters());
            });
        long[] expected = sequentialDigests();
        for (int r = 1; r < RANKS; r++) {
            assertArrayEquals(expected, seen.get(r), "the digest of every version rank " + r + " read");
        }
        return counters;
    }

    @Test
    void shouldDeliverEveryVersionIntactWhileTheRootCopiesIntoBuffersOfVersionsItSent() {
        // 16 KiB chunks: each 256 KiB version is 16 frames to each child, so the root's copies overlap the sends; a
        // window of 8 versions' bytes: once full, the root's next update is submitted only when a version died
        PerRank<Counters> counters = broadcast(16 * 1024, 2L << 20, STEPS);
        long reused = counters.get(0).sharedPoolReused();
        // the root's update of step k copies version k-1 (still being sent) into a buffer; once the window is full,
        // an update is submitted only after a version died, on the sending thread that sent its last chunk (the
        // update that read it copied it long before): over 40 steps such a buffer serves at least one copy
        assertTrue(reused > 0, "the root reused no buffer of a version it had sent (" + counters.get(0) + ")");
    }

    /**
     * The receivers land most versions in the buffers of versions that died there, as {@code bin/bench transfer}'s
     * broadcast does (a sync every few steps): a version's last reader runs on a worker after the program thread
     * recorded the next steps, and the buffer it lets go goes to the rank's shared pool, not the worker's own, which
     * the receiving side never looks in. Between two syncs a receiver holds at most the 4 versions of those steps,
     * and its shared pool (a quarter of the window: 16 of them) keeps every buffer that died before: after the first
     * 4 steps, each version finds one there, unless its chunks all came before this rank recorded its reader (it is
     * then decoded whole, into a new array; rare). Before, a version landed recycled only when the program thread
     * dropped the last hold: once every 4 steps. Every digest is checked as above: no version lands in a buffer a live
     * one holds.
     */
    @Test
    void shouldLandTheReceiversVersionsInTheBuffersOfVersionsTheirReadersLetGo() {
        // 64 KiB chunks, the smallest a receiver lands in place (smaller first chunks are kept apart and joined at
        // the end, in a new array): each version is 4 frames to each child
        PerRank<Counters> counters = broadcast(64 * 1024, 16L << 20, 4);
        for (int r = 1; r < RANKS; r++) {
            Counters c = counters.get(r);
            assertEquals(STEPS, c.versionsReceived(), "rank " + r + ": " + c);
            assertTrue(c.receivedIntoRecycled() >= STEPS / 2, "rank " + r + " received " + c.receivedIntoRecycled()
                + " of " + STEPS + " versions into dead versions' buffers: " + c);
        }
    }
}
