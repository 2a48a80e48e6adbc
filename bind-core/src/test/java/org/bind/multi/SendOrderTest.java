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
import org.bind.Scope;
import org.bind.transport.Frames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Versions of one object that a rank sends to one peer go in version order, one whole version after the other, even
 * when the newer one is ready while the older one is still being sent (a root updating a version it broadcasts): so
 * the older one's send ends, and its buffer is free, before the newer one's starts, and the peer holds one version
 * being read and one arriving instead of all of them at once. Both sends are planned before the older version is
 * produced. The order is read from the frames rank 0 hands its transport; both versions arrive whole (byte sums
 * against plain Java).
 */
@ExtendWith(DumpThreadsOnTimeout.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
@SuppressWarnings("try") // scopes are opened for their effect on placement, not referenced
class SendOrderTest {
    private static final long JOB_TIMEOUT_S = 90;
    /** How long the older version is held at its third chunk, at most, waiting for the newer one to be ready. */
    private static final long HOLD_S = 20;
    private static final int CHUNK_BYTES = 4096;
    private static final int BYTES = 64 * CHUNK_BYTES;

    static final class Ops {
        @Op
        static void step(ByteArray a, int seed) {
            byte[] d = a.data();
            for (int i = 0; i < d.length; i++) {
                d[i] = (byte) (d[i] * 3 + i + seed);
            }
        }

        @Op
        static void sum(@In ByteArray a, LongArray sums, int index) {
            long s = 0;
            for (byte b : a.data()) {
                s += b;
            }
            sums.data()[index] = s;
        }
    }

    /** The byte sums of the versions the steps with {@code seeds} make, one after the other. */
    private static long[] expectedSums(int... seeds) {
        byte[] d = new byte[BYTES];
        long[] sums = new long[seeds.length];
        for (int k = 0; k < seeds.length; k++) {
            long s = 0;
            for (int i = 0; i < d.length; i++) {
                d[i] = (byte) (d[i] * 3 + i + seeds[k]);
                s += d[i];
            }
            sums[k] = s;
        }
        return sums;
    }

    /** A data frame rank 0 handed its transport: of which version, which chunk. */
    private record Sent(long version, int chunk, int chunks) {
    }

    private static Sent parse(ByteBuffer frame) {
        ByteBuffer in = frame.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int base = in.position();
        if (in.remaining() < Frames.HEADER_BYTES || in.get(base + 6) != Frames.DATA || in.getInt(base + 48) < 2) {
            return null; // not a chunk of the array (control frames, the sums' one-chunk versions)
        }
        return new Sent(in.getLong(base + 36), in.getInt(base + 44), in.getInt(base + 48));
    }

    @Test
    void shouldSendTheNewerVersionOfAnObjectToAPeerOnlyAfterTheOlderOne() {
        List<Sent> sent = new ArrayList<>();
        CountDownLatch newerReady = new CountDownLatch(1);
        boolean[] newerSeenWaiting = {false};
        WatchedJob.run(2, () -> new Bind.Context().workers(1).chunkBytes(CHUNK_BYTES), JOB_TIMEOUT_S,
            (from, to, frame) -> {
                Sent s = from == 0 ? parse(frame) : null;
                if (s == null) {
                    return false;
                }
                if (s.chunk() == 2 && !newerSeenWaiting[0]) {
                    newerSeenWaiting[0] = true;
                    await(newerReady); // the older version is in flight when the newer one is ready to go
                }
                synchronized (sent) {
                    sent.add(s);
                }
                return false;
            }, (bind, job) -> {
                ByteArray a = ByteArray.of(BYTES);
                LongArray sums = LongArray.of(2);
                for (int k = 0; k < 2; k++) {
                    try (Scope s = bind.on(0)) {
                        Ops.step(a, 5 + k);
                    }
                    try (Scope s = bind.on(1)) {
                        Ops.sum(a, sums, k);
                    }
                }
                if (bind.rank() == 0) {
                    a.toArray(); // the newer version is done, so its send is queued, before the older one goes on
                    newerReady.countDown();
                }
                bind.sync();
                if (bind.rank() == 1) {
                    long[] expected = expectedSums(5, 6);
                    assertEquals(expected[0], sums.toArray()[0], "the older version on rank 1");
                    assertEquals(expected[1], sums.toArray()[1], "the newer version on rank 1");
                }
            });
        synchronized (sent) {
            assertTrue(sent.size() >= 2 * (BYTES / CHUNK_BYTES), "both versions went: " + sent.size() + " chunks");
            long older = sent.get(0).version();
            int lastOfOlder = -1;
            int firstOfNewer = -1;
            for (int i = 0; i < sent.size(); i++) {
                if (sent.get(i).version() == older) {
                    lastOfOlder = i;
                } else if (firstOfNewer < 0) {
                    firstOfNewer = i;
                }
            }
            assertTrue(firstOfNewer > lastOfOlder, "the newer version's first chunk went as frame " + firstOfNewer
                + ", the older one's last as frame " + lastOfOlder + " (of " + sent.size() + ")");
        }
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
