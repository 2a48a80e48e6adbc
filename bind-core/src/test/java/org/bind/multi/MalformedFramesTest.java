package org.bind.multi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.bind.Bind;
import org.bind.In;
import org.bind.IntArray;
import org.bind.Op;
import org.bind.Out;
import org.bind.Scope;
import org.bind.Shared;
import org.bind.transport.Frames;
import org.bind.transport.Messages;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Frames that are short, random, of another protocol or job, or whose lengths are inconsistent or oversized are
 * dropped and counted by the runtime that receives them: nothing escapes its frame handler, handling one
 * allocates little whatever its header claims, and the job around them completes with the right results.
 *
 * <p>Bad frames are sent from the ranks' own transport ends, so they arrive in order with the real traffic.
 * Frames with a valid header use epochs and object ids that the program never uses: they are malformed, not
 * forged.
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class MalformedFramesTest {
    private static final long JOB_TIMEOUT_S = 20;
    private static final long FAR_EPOCH = 1L << 40;
    private static final long FAR_OBJECT = 1L << 40;
    private static final long MAX_ALLOCATION_PER_FRAME = 16L << 20;
    private static final int MAX_VERSION_BYTES = 1 << 16;

    static final class Ops {
        @Op
        static void fill(@Out IntArray a, int seed) {
            int[] x = a.data();
            for (int i = 0; i < x.length; i++) {
                x[i] = seed * i;
            }
        }

        @Op
        static void addInto(@In IntArray a, IntArray b) {
            int[] x = a.data();
            int[] y = b.data();
            for (int i = 0; i < y.length; i++) {
                y[i] += x[i];
            }
        }

        @Op
        static void sum(@In IntArray a, @Out Shared<Long> s) {
            long total = 0;
            for (int v : a.data()) {
                total += v;
            }
            s.set(total);
        }
    }

    // ---------------------------------------------------------------- frames

    static ByteBuffer frame(byte type, long jobId, long epoch, long objectId, long version, int chunk, int chunks,
                            int total, byte[] payload) {
        ByteBuffer f = Frames.allocate(type, jobId, epoch, 0, objectId, version, chunk, chunks, total, payload.length);
        f.put(Frames.HEADER_BYTES, payload);
        f.position(0);
        return f;
    }

    static ByteBuffer control(byte type, long jobId, ByteBuffer payload) {
        byte[] bytes = new byte[payload.remaining()];
        payload.duplicate().get(bytes);
        return frame(type, jobId, FAR_EPOCH, -1, 0, 0, 1, bytes.length, bytes);
    }

    static byte[] random(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    static ByteBuffer le(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Frames that the header check alone must refuse. */
    static List<ByteBuffer> badHeaders(long jobId, Random random) {
        List<ByteBuffer> frames = new ArrayList<>();
        ByteBuffer valid = frame(Frames.DATA, jobId, FAR_EPOCH, FAR_OBJECT, 1, 0, 1, 8, random(random, 8));
        frames.add(le(0));
        for (int length : new int[] {1, 4, 30, Frames.HEADER_BYTES - 1}) {
            frames.add(ByteBuffer.wrap(valid.array(), 0, length).slice());   // truncated header
        }
        for (int i = 0; i < 20; i++) {
            frames.add(ByteBuffer.wrap(random(random, random.nextInt(300))));
        }
        frames.add(tamper(valid, f -> f.putInt(0, 0xCAFEBABE)));                    // magic
        frames.add(tamper(valid, f -> f.putShort(4, (short) 0)));                   // protocol
        frames.add(tamper(valid, f -> f.putShort(4, (short) 2)));
        frames.add(tamper(valid, f -> f.putShort(4, (short) -1)));
        for (byte type : new byte[] {0, 6, 127, -128}) {
            frames.add(tamper(valid, f -> f.put(6, type)));
        }
        frames.add(tamper(valid, f -> f.putLong(8, jobId + 1)));                    // another job
        frames.add(tamper(valid, f -> f.putLong(8, ~jobId)));
        frames.add(tamper(valid, f -> f.putLong(16, -1)));                          // epoch
        frames.add(tamper(valid, f -> f.putLong(28, -2)));                          // object id
        frames.add(tamper(valid, f -> f.putLong(36, -1)));                          // version
        frames.add(tamper(valid, f -> f.putInt(44, -1)));                           // chunk
        frames.add(tamper(valid, f -> f.putInt(44, 1)));                            // chunk == chunks
        frames.add(tamper(valid, f -> f.putInt(48, 0)));                            // chunks
        frames.add(tamper(valid, f -> f.putInt(52, -1)));                           // total
        frames.add(tamper(valid, f -> f.putInt(52, 4)));                            // payload > total
        frames.add(tamper(valid, f -> f.putInt(52, Integer.MAX_VALUE)));            // total over the cap
        frames.add(tamper(valid, f -> f.putInt(56, 1 << 30)));                      // payload length oversized
        frames.add(tamper(valid, f -> f.putInt(56, Integer.MAX_VALUE)));
        frames.add(tamper(valid, f -> f.putInt(56, -1)));
        frames.add(tamper(valid, f -> f.putInt(56, 9)));                            // one more than present
        frames.add(tamper(valid, f -> f.putInt(56, 7)));                            // one less than present
        return frames;
    }

    private interface Edit {
        void apply(ByteBuffer frame);
    }

    static ByteBuffer tamper(ByteBuffer valid, Edit edit) {
        ByteBuffer copy = le(valid.remaining());
        copy.put(valid.duplicate());
        copy.position(0);
        edit.apply(copy);
        return copy;
    }

    /** Frames with a good header whose payload the runtime must refuse. */
    static List<ByteBuffer> badPayloads(long jobId, Random random) {
        List<ByteBuffer> frames = new ArrayList<>();
        for (byte type : new byte[] {Frames.FAILURE, Frames.LOST, Frames.SYNC, Frames.DETAIL}) {
            for (int length : new int[] {0, 3, 11}) {
                frames.add(control(type, jobId, ByteBuffer.wrap(random(random, length))));
            }
        }
        frames.add(control(Frames.FAILURE, jobId, le(12).putLong(0, 1).putInt(8, -5)));          // string length < 0
        frames.add(control(Frames.FAILURE, jobId, le(12).putLong(0, 1).putInt(8, 1 << 30)));     // string too long
        frames.add(control(Frames.FAILURE, jobId, le(12).putLong(0, 1).putInt(8, 1000)));        // past the end
        frames.add(control(Frames.SYNC, jobId, le(24).putLong(0, 3).putLong(8, 4).putInt(16, 0)
            .putInt(20, (1 << 22) + 1)));                                                           // too many longs
        frames.add(control(Frames.SYNC, jobId, le(24).putLong(0, 3).putLong(8, 4).putInt(16, 0)
            .putInt(20, 1000)));                                                                    // longs past the end
        frames.add(control(Frames.DETAIL, jobId, le(24).putLong(0, 0).putInt(8, 1).putLong(12, 5)
            .putInt(20, 2)));                                                                       // 2 names for 1 op
        frames.add(control(Frames.DETAIL, jobId, le(16).putLong(0, 0).putInt(8, 0).putInt(12, -1)));
        // A version larger than maxVersionBytes, in 16 chunks: refused from its first chunk.
        frames.add(frame(Frames.DATA, jobId, FAR_EPOCH, FAR_OBJECT + 1, 1, 0, 16, MAX_VERSION_BYTES * 16,
            random(random, 32)));
        return frames;
    }

    private static void sendToEveryOtherRank(WatchedJob job, Bind bind, List<ByteBuffer> frames) {
        for (int to = 0; to < bind.size(); to++) {
            if (to != bind.rank()) {
                for (ByteBuffer f : frames) {
                    job.sendRaw(bind.rank(), to, f);
                }
            }
        }
    }

    private static void assertHandledEveryFrame(WatchedJob job, int ranks) {
        StringBuilder problems = new StringBuilder();
        for (int r = 0; r < ranks; r++) {
            if (!job.escaped(r).isEmpty()) {
                problems.append("\n  rank ").append(r).append(": escaped the frame handler: ").append(job.escaped(r));
            }
            if (job.largestAllocationPerFrame(r) >= MAX_ALLOCATION_PER_FRAME) {
                problems.append("\n  rank ").append(r).append(": allocated ").append(job.largestAllocationPerFrame(r))
                    .append(" bytes handling one frame");
            }
        }
        assertEquals("", problems.toString(), "bad frames must be dropped without exceptions or large allocations");
    }

    private static Bind.Context settings() {
        return new Bind.Context().chunkBytes(64).maxVersionBytes(MAX_VERSION_BYTES);
    }

    // ---------------------------------------------------------------- tests

    @Test
    void shouldDropMalformedFramesAndStillCompleteTheJob() {
        int ranks = 3;
        int n = 500;
        PerRank<Traffic> traffic = new PerRank<>(ranks);
        WatchedJob job = WatchedJob.run(ranks, MalformedFramesTest::settings, JOB_TIMEOUT_S, (bind, watched) -> {
            Random random = new Random(17 + bind.rank());
            List<ByteBuffer> garbage = new ArrayList<>(badHeaders(watched.jobId(), random));
            garbage.addAll(badPayloads(watched.jobId(), random));
            IntArray a = IntArray.of(n);
            IntArray b = IntArray.of(n);
            Shared<Long> total = Shared.of(0L);
            sendToEveryOtherRank(watched, bind, garbage);
            try (Scope s = bind.on(0)) {
                Ops.fill(a, 3);
            }
            sendToEveryOtherRank(watched, bind, garbage);
            try (Scope s = bind.on(1)) {
                Ops.addInto(a, b);
            }
            try (Scope s = bind.on(2)) {
                Ops.addInto(a, b);
                Ops.sum(b, total);
            }
            sendToEveryOtherRank(watched, bind, garbage);
            bind.sync();
            Ops.addInto(b, a);                         // common: b travels from rank 2 to the others
            sendToEveryOtherRank(watched, bind, garbage);
            bind.sync();
            int[] expected = new int[n];
            long sum = 0;
            for (int i = 0; i < n; i++) {
                expected[i] = 3 * i * 3;
                sum += 6L * i;
            }
            assertArrayEquals(expected, a.toArray(), "a on rank " + bind.rank());
            assertEquals(sum, total.get(), "total on rank " + bind.rank());
            traffic.put(bind.rank(), Traffic.of(bind));
        });
        assertHandledEveryFrame(job, ranks);
        for (int r = 0; r < ranks; r++) {
            assertTrue(traffic.get(r).framesDropped() > 0, "rank " + r + " dropped frames" + Traffic.describe(traffic));
        }
    }

    @Test
    void shouldCountEachRefusedFrameOnce() {
        int ranks = 2;
        PerRank<Traffic> traffic = new PerRank<>(ranks);
        int[] sent = new int[1];
        WatchedJob job = WatchedJob.run(ranks, MalformedFramesTest::settings, JOB_TIMEOUT_S, (bind, watched) -> {
            Random random = new Random(5);
            List<ByteBuffer> garbage = new ArrayList<>(badHeaders(watched.jobId(), random));
            garbage.addAll(badPayloads(watched.jobId(), random));
            // chunk 1 of 3 of a version never seen: out of order
            garbage.add(frame(Frames.DATA, watched.jobId(), FAR_EPOCH, FAR_OBJECT + 2, 1, 1, 3, 96, random(random, 32)));
            if (bind.rank() == 1) {
                for (ByteBuffer f : garbage) {
                    watched.sendRaw(1, 0, f);
                }
                sent[0] = garbage.size();
            }
            bind.sync();
            traffic.put(bind.rank(), Traffic.of(bind));
        });
        assertHandledEveryFrame(job, ranks);
        assertEquals(sent[0], traffic.get(0).framesDropped(), "frames dropped by rank 0, of " + sent[0] + " bad ones");
    }

    @Test
    void shouldRefuseAChunkCountThatTheDeclaredLengthCannotFillBeforeAllocating() {
        WatchedJob job = WatchedJob.run(2, MalformedFramesTest::settings, JOB_TIMEOUT_S, (bind, watched) -> {
            if (bind.rank() == 1) {
                // 100 bytes in 2^31 - 1 chunks, and 1000 bytes in 2^24 chunks: fewer bytes than chunks
                watched.sendRaw(1, 0, frame(Frames.DATA, watched.jobId(), 0, FAR_OBJECT, 1, 0, Integer.MAX_VALUE, 100,
                    new byte[10]));
                watched.sendRaw(1, 0, frame(Frames.DATA, watched.jobId(), 0, FAR_OBJECT + 1, 1, 0, 1 << 24, 1000,
                    new byte[10]));
            }
            bind.sync();
        });
        assertHandledEveryFrame(job, 2);
    }

    @Test
    void shouldRefuseChunksThatDoNotAddUpToTheDeclaredLengthBeforeAllocatingIt() {
        WatchedJob job = WatchedJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, (bind, watched) -> {
            if (bind.rank() == 1) {
                // two chunks of 8 bytes claiming a version of 64 MiB - 1: the whole length is allocated on the last
                int total = (64 << 20) - 1;
                watched.sendRaw(1, 0, frame(Frames.DATA, watched.jobId(), 0, FAR_OBJECT, 1, 0, 2, total, new byte[8]));
                watched.sendRaw(1, 0, frame(Frames.DATA, watched.jobId(), 0, FAR_OBJECT, 1, 1, 2, total, new byte[8]));
                // two chunks of 8 bytes claiming a version of 10 bytes: they overflow it
                watched.sendRaw(1, 0, frame(Frames.DATA, watched.jobId(), 0, FAR_OBJECT + 1, 1, 0, 2, 10, new byte[8]));
                watched.sendRaw(1, 0, frame(Frames.DATA, watched.jobId(), 0, FAR_OBJECT + 1, 1, 1, 2, 10, new byte[8]));
            }
            bind.sync();
        });
        assertHandledEveryFrame(job, 2);
    }

    @Test
    void shouldIgnoreAFailureReportNamingARankOutsideTheJob() {
        WatchedJob job = WatchedJob.run(2, Bind.Context::new, JOB_TIMEOUT_S, (bind, watched) -> {
            IntArray a = IntArray.of(4);
            if (bind.rank() == 1) {
                ByteBuffer payload = Messages.encode(new Messages.Failure(0, "Nobody.nothing", 99, 0,
                    "java.lang.IllegalStateException", "no such rank"));
                byte[] bytes = new byte[payload.remaining()];
                payload.get(bytes);
                watched.sendRaw(1, 0, frame(Frames.FAILURE, watched.jobId(), 0, -1, 0, 0, 1, bytes.length, bytes));
            }
            Ops.fill(a, 2);
            bind.sync();   // no op failed: a report naming rank 99 of a 2-rank job is malformed
            assertArrayEquals(new int[] {0, 2, 4, 6}, a.toArray());
        });
        assertHandledEveryFrame(job, 2);
    }
}
