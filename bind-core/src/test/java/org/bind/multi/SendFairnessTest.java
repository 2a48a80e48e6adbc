package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.ByteArray;
import org.bind.In;
import org.bind.LongArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.transport.Frames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Transfers from one rank share its sending fairly: with one worker, a small version sent while a large one is in
 * flight goes out before the large one's last chunk, whether it goes to another peer (while the large one is held
 * up, as a slow reader's back-pressure holds it) or to the same peer (behind at most one more chunk of the large
 * one). The order is read from the frames rank 0 hands its transport; both versions arrive whole (byte sums against
 * plain Java).
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class SendFairnessTest {
    private static final long JOB_TIMEOUT_S = 90;
    /** How long the large transfer is held at its third chunk, at most, waiting for the small one. */
    private static final long HOLD_S = 20;
    private static final int CHUNK_BYTES = 4096;
    private static final int BIG_BYTES = 256 * CHUNK_BYTES;
    private static final int SMALL_BYTES = 1000;

    static final class Ops {
        @Op
        static void fill(@Out ByteArray a, int seed) {
            byte[] d = a.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = (byte) (i * 31 + seed);
            }
        }

        @Op
        static void sum(@In ByteArray a, @Out LongArray into) {
            long s = 0;
            for (byte b : a.data()) {
                s += b;
            }
            into.data()[0] = s;
        }
    }

    private static long expectedSum(int length, int seed) {
        long s = 0;
        for (int i = 0; i < length; i++) {
            s += (byte) (i * 31 + seed);
        }
        return s;
    }

    /** A data frame rank 0 handed its transport: to whom, of which version (by its shape), which chunk. */
    private record Sent(int toRank, int totalLength, int chunk, int chunks) {
        /** The large version: many chunks (its encoding is a little longer than its bytes). */
        boolean big() {
            return chunks > 1;
        }

        boolean small() {
            return chunks == 1 && totalLength < CHUNK_BYTES;
        }
    }

    private static Sent parse(int toRank, ByteBuffer frame) {
        ByteBuffer in = frame.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int base = in.position();
        if (in.remaining() < Frames.HEADER_BYTES || in.get(base + 6) != Frames.DATA) {
            return null;
        }
        return new Sent(toRank, in.getInt(base + 52), in.getInt(base + 44), in.getInt(base + 48));
    }

    private static Bind.Context oneWorker() {
        return new Bind.Context().workers(1).chunkBytes(CHUNK_BYTES);
    }

    @Test
    void shouldSendASmallVersionToAnotherPeerWhileALargeOneIsHeldUp() {
        List<Sent> sent = new ArrayList<>();
        CountDownLatch smallSent = new CountDownLatch(1);
        boolean[] heldInVain = {false};
        WatchedJob.run(3, SendFairnessTest::oneWorker, JOB_TIMEOUT_S, (from, to, frame) -> {
            Sent s = from == 0 ? parse(to, frame) : null;
            if (s == null) {
                return false;
            }
            synchronized (sent) {
                sent.add(s);
            }
            if (s.small()) {
                smallSent.countDown();
            } else if (s.big() && s.chunk() == 2 && !await(smallSent)) {
                synchronized (sent) {
                    heldInVain[0] = true; // the small version did not go while this one was held
                }
            }
            return false;
        }, (bind, job) -> {
            ByteArray big = ByteArray.of(BIG_BYTES);
            ByteArray small = ByteArray.of(SMALL_BYTES);
            LongArray bigSum = LongArray.of(1);
            LongArray smallSum = LongArray.of(1);
            try (Scope s = bind.on(0)) {
                Ops.fill(big, 1);
                Ops.fill(small, 2);
            }
            try (Scope s = bind.on(1)) {
                Ops.sum(big, bigSum);
            }
            try (Scope s = bind.on(2)) {
                Ops.sum(small, smallSum);
            }
            bind.sync();
            if (bind.rank() == 1) {
                assertEquals(expectedSum(BIG_BYTES, 1), bigSum.toArray()[0], "the large version on rank 1");
            }
            if (bind.rank() == 2) {
                assertEquals(expectedSum(SMALL_BYTES, 2), smallSum.toArray()[0], "the small version on rank 2");
            }
        });
        synchronized (sent) {
            int small = indexOf(sent, Sent::small, 0);
            assertTrue(!heldInVain[0], "the small version to rank 2 was not sent while the large one to rank 1 was held"
                + " up at its third chunk for " + HOLD_S + " s (it went as frame " + small + " of " + sent.size() + ")");
            int bigLast = indexOf(sent, s -> s.big() && s.chunk() == s.chunks() - 1, 0);
            assertTrue(small >= 0 && small < bigLast, "small version sent at " + small + ", the large one's last chunk"
                + " at " + bigLast + ": " + sent.size() + " frames");
        }
    }

    @Test
    void shouldSendASmallVersionBehindAtMostOneChunkOfALargeOneToTheSamePeer() {
        List<Sent> sent = new ArrayList<>();
        CountDownLatch smallQueued = new CountDownLatch(1);
        WatchedJob.run(2, SendFairnessTest::oneWorker, JOB_TIMEOUT_S, (from, to, frame) -> {
            Sent s = from == 0 ? parse(to, frame) : null;
            if (s == null) {
                return false;
            }
            if (s.big() && s.chunk() == 2) {
                await(smallQueued); // the large version is in flight when the small one's read is recorded
            }
            synchronized (sent) {
                sent.add(s);
            }
            return false;
        }, (bind, job) -> {
            ByteArray big = ByteArray.of(BIG_BYTES);
            ByteArray small = ByteArray.of(SMALL_BYTES);
            LongArray bigSum = LongArray.of(1);
            LongArray smallSum = LongArray.of(1);
            try (Scope s = bind.on(0)) {
                Ops.fill(small, 2);
                Ops.fill(big, 1);
            }
            if (bind.rank() == 0) {
                small.toArray(); // the small version is done here before its read is recorded
            }
            try (Scope s = bind.on(1)) {
                Ops.sum(big, bigSum);
            }
            try (Scope s = bind.on(1)) {
                Ops.sum(small, smallSum);
            }
            if (bind.rank() == 0) {
                smallQueued.countDown();
            }
            bind.sync();
            if (bind.rank() == 1) {
                assertEquals(expectedSum(BIG_BYTES, 1), bigSum.toArray()[0], "the large version on rank 1");
                assertEquals(expectedSum(SMALL_BYTES, 2), smallSum.toArray()[0], "the small version on rank 1");
            }
        });
        synchronized (sent) {
            int small = indexOf(sent, Sent::small, 0);
            int bigAfterHold = indexOf(sent, s -> s.big() && s.chunk() == 3, 0);
            assertTrue(small >= 0 && small < bigAfterHold, "small version sent at " + small + ", chunk 3 of the large"
                + " one at " + bigAfterHold + " (the small one was queued while chunk 2 was being sent)");
        }
    }

    private static int indexOf(List<Sent> sent, java.util.function.Predicate<Sent> which, int from) {
        for (int i = from; i < sent.size(); i++) {
            if (which.test(sent.get(i))) {
                return i;
            }
        }
        return -1;
    }

    private static boolean await(CountDownLatch latch) {
        try {
            return latch.await(HOLD_S, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
