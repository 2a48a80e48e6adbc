package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.bind.Bind;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.OpFailedException;
import org.bind.Out;
import org.bind.Scope;
import org.bind.codec.Codec;
import org.bind.transport.Frames;
import org.bind.transport.TransportException;
import org.bind.version.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * What one peer can do to a rank with frames that are well formed: data for a version from a rank that the plan
 * does not name as its sender never lands in it (dropped and counted); data nobody has asked for yet is held up to
 * {@code bind.max.unclaimed.bytes} per peer, and a peer that sends more is refused, the rank's job failing with a
 * message naming it; a failure report that cannot be sent at once is retried, and a peer that cannot be told within
 * the transport's peer timeout is treated as lost instead of being left to wait for it.
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class PeerBoundsTest {
    private static final long JOB_TIMEOUT_S = 30;
    private static final int N = 1_000;
    private static final long FAR_EPOCH = 1L << 40;
    private static final long FAR_OBJECT = 1L << 40;
    /** Rank 0's fill waits for it: the forged copy is on its way before the genuine one exists. */
    private static volatile CountDownLatch forgerDone = new CountDownLatch(0);

    static final class Ops {
        @Op
        static void fillOnceForged(@Out IntArray a, int value) throws InterruptedException {
            if (!forgerDone.await(20, TimeUnit.SECONDS)) {
                throw new IllegalStateException("the forger did not send within 20 s");
            }
            Arrays.fill(a.data(), value);
        }

        @Op
        static void copy(@In IntArray from, @Out IntArray to) {
            System.arraycopy(from.data(), 0, to.data(), 0, to.length());
        }

        @Op
        static void fail(@Out IntArray a) {
            throw new IllegalStateException("failed on purpose");
        }
    }

    private static ByteBuffer frame(long jobId, long epoch, int claimedSource, long objectId, long version,
                                    byte[] payload) {
        ByteBuffer f = Frames.allocate(Frames.DATA, jobId, epoch, claimedSource, objectId, version, 0, 1,
            payload.length, payload.length);
        f.put(Frames.HEADER_BYTES, payload);
        f.position(0);
        return f;
    }

    private static byte type(ByteBuffer frame) {
        return frame.get(frame.position() + 6);
    }

    @Test
    void shouldNeverLandDataFromARankThePlanDoesNotName() {
        forgerDone = new CountDownLatch(1);
        PerRank<int[]> seen = new PerRank<>(3);
        PerRank<Long> dropped = new PerRank<>(3);
        WatchedJob.run(3, Bind.Context::new, JOB_TIMEOUT_S, (bind, job) -> {
            IntArray a = IntArray.of(N).named("a");
            IntArray b = IntArray.of(N).named("b");
            try (Scope s = bind.on(0)) {
                Ops.fillOnceForged(a, 5);
            }
            if (bind.rank() == 2) {
                // the version rank 1 receives from rank 0, with other contents, from rank 2 (its header says rank 0)
                Version version = a.versionChain().latest();
                Codec<Object> codec = a.versionChain().type().codec();
                int[] forged = new int[N];
                Arrays.fill(forged, -1);
                ByteBuffer bytes = ByteBuffer.allocate(codec.encodedLength(forged)).order(ByteOrder.LITTLE_ENDIAN);
                codec.encode(forged, bytes, 0);
                job.sendRaw(2, 1, frame(job.jobId(), 0, 0, a.versionChain().id(), version.number(), bytes.array()));
                forgerDone.countDown();
            }
            try (Scope s = bind.on(1)) {
                Ops.copy(a, b);
            }
            bind.sync();
            if (bind.rank() == 1) {
                dropped.put(1, bind.counters().framesDropped());
                seen.put(1, b.toArray());
            }
        });
        int[] expected = new int[N];
        Arrays.fill(expected, 5);
        assertArrayEquals(expected, seen.get(1), "b on rank 1");
        assertEquals(1L, dropped.get(1), "frames dropped by rank 1: the forged one");
    }

    @Test
    void shouldFailTheJobNamingAPeerThatSendsMoreDataNobodyAskedForThanTheBound() {
        int frameBytes = 256 << 10;
        int frames = 8;
        long bound = 1 << 20;
        PerRank<String> errors = new PerRank<>(3);
        PerRank<Long> dropped = new PerRank<>(3);
        WatchedJob.run(3, () -> new Bind.Context().maxUnclaimedBytes(bound), JOB_TIMEOUT_S, (bind, watched) -> {
            if (bind.rank() == 2) {
                try {
                    for (int i = 0; i < frames; i++) {
                        watched.sendRaw(2, 0, frame(watched.jobId(), FAR_EPOCH, 2, FAR_OBJECT + i, 1,
                            new byte[frameBytes]));
                    }
                } catch (TransportException e) {
                    // rank 0 refused rank 2, gave up on the job and closed before the flood was all sent
                }
            }
            // rank 0 refuses rank 2 at its sync, or, when its SYNC went out before the flood was handled, at its
            // closing one; the others learn it from rank 0 at either: every rank fails at one of them
            StringBuilder error = new StringBuilder();
            try {
                bind.sync();
            } catch (RuntimeException e) {
                error.append(e.getMessage());
            }
            try {
                bind.close();
            } catch (RuntimeException e) {
                error.append(" | ").append(e.getMessage());
            }
            errors.put(bind.rank(), error.toString());
            dropped.put(bind.rank(), bind.counters().framesDropped());
        });
        String refusal = "rank 2 sent more data that this rank has not asked for (yet) than bind.max.unclaimed.bytes="
            + bound;
        assertTrue(errors.get(0).contains(refusal), "rank 0: " + errors.get(0));
        assertTrue(errors.get(1).contains("rank 2 lost"), "rank 1: " + errors.get(1));
        assertTrue(errors.get(2).contains("gave up on the job") || errors.get(2).contains("lost"),
            "rank 2: " + errors.get(2));
        // three fit (256 KiB and the transfer's overhead each), the fourth is refused and the three held are dropped
        // before the loss is reported; those that follow are dropped as they come (unless rank 0 closed first), and
        // so is every control frame rank 2 sends once it is refused (SYNCs, IDLE reports, its ABORT)
        long count = dropped.get(0);
        assertTrue(count >= 4, "frames dropped by rank 0: " + count);
    }

    @Test
    void shouldRetryAFailureReportThatCannotBeSentAtOnce() {
        AtomicInteger refusals = new AtomicInteger(3);
        PerRank<RuntimeException> failures = new PerRank<>(2);
        WatchedJob.run(2, Bind.Context::new, JOB_TIMEOUT_S,
            (from, to, frame) -> type(frame) == Frames.FAILURE && refusals.getAndDecrement() > 0, (bind, job) -> {
                IntArray a = IntArray.of(N);
                try (Scope s = bind.on(1)) {
                    Ops.fail(a);
                }
                try {
                    bind.sync();
                } catch (RuntimeException e) {
                    failures.put(bind.rank(), e);
                }
            });
        for (int r = 0; r < 2; r++) {
            RuntimeException e = failures.get(r);
            assertInstanceOf(OpFailedException.class, e, "rank " + r);
            assertTrue(String.valueOf(e.getCause()).contains("failed on purpose"), "rank " + r + ": " + e);
        }
        assertTrue(refusals.get() < 0, "the report was refused 3 times, then sent");
    }

    @Test
    void shouldTreatAPeerThatCannotBeToldOfAFailureAsLost() {
        PerRank<RuntimeException> failures = new PerRank<>(3);
        WatchedJob.run(3, Bind.Context::new, JOB_TIMEOUT_S,
            (from, to, frame) -> type(frame) == Frames.FAILURE && to == 2, (bind, job) -> {
                IntArray a = IntArray.of(N);
                try (Scope s = bind.on(1)) {
                    Ops.fail(a);
                }
                try {
                    bind.sync();
                } catch (RuntimeException e) {
                    failures.put(bind.rank(), e);
                }
            });
        RuntimeException e = failures.get(1);
        assertInstanceOf(org.bind.BindException.class, e, "rank 1");
        assertTrue(e.getMessage().contains("rank 2 lost: the report of the failure of")
            && e.getMessage().contains("could not be sent to it"), e.getMessage());
        assertTrue(failures.get(2) != null, "rank 2's sync did not return normally");
    }
}
