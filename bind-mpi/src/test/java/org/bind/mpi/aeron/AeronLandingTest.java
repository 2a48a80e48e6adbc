package org.bind.mpi.aeron;

import static org.bind.mpi.TransportContractTest.await;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.bind.transport.Transport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Frames that land as they arrive over IPC, finished on the polling thread while nothing waits for delivery and
 * queued behind a frame being delivered otherwise: every frame is finished exactly once, in the order it was sent,
 * with the bytes sent, and the polling thread finishes them again once the queue has drained. The oracle is the
 * sent bytes and their order. Every wait is bounded and dumps every thread's stack when it times out.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AeronLandingTest {
    private static final int FRAME_BYTES = 300_001; // several Aeron messages, the last one byte into its piece
    private AeronTestJobs.IpcJob ipcJob;

    @AfterEach
    void closeAll() {
        if (ipcJob != null) {
            ipcJob.close();
        }
    }

    /**
     * Lands frames whose first byte is not 0 into arrays, finished at once when the polling thread offers; a frame
     * whose first byte is 0 comes whole and its delivery waits for {@link #release} (the first one only).
     */
    private static final class Landings implements Transport.Receiver {
        final List<String> finished = new CopyOnWriteArrayList<>();
        final List<byte[]> bytes = new CopyOnWriteArrayList<>();
        final AtomicInteger now = new AtomicInteger();
        /** Frames whose every byte was put (landed, finished or not). */
        final AtomicInteger put = new AtomicInteger();
        final CountDownLatch delivering = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        @Override
        public Transport.Landing onFrameStart(int fromRank, ByteBuffer start, int length) {
            if (start.get(start.position()) == 0) {
                return null;
            }
            byte[] into = new byte[length];
            return new Transport.Landing() {
                private int at;

                @Override
                public void put(ByteBuffer piece) {
                    int n = piece.remaining();
                    piece.get(into, at, n);
                    at += n;
                    if (at == into.length) {
                        put.incrementAndGet();
                    }
                }

                @Override
                public boolean tryLandNow() {
                    now.incrementAndGet();
                    finish();
                    return true;
                }

                @Override
                public void onLanded() {
                    finish();
                }

                private void finish() {
                    finished.add("landed " + into[0]);
                    bytes.add(into);
                }
            };
        }

        @Override
        public void onFrame(int fromRank, ByteBuffer frame) {
            finished.add("whole " + frame.get(1));
            if (delivering.getCount() > 0) {
                delivering.countDown();
                try {
                    assertTrue(release.await(60, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }

        @Override
        public void onPeerLost(int rank, String reason) {
            finished.add("lost " + rank);
        }

        @Override
        public void onPeerClosed(int rank) {
        }
    }

    private static byte[] frame(int id) {
        byte[] frame = new byte[FRAME_BYTES];
        for (int i = 0; i < frame.length; i++) {
            frame[i] = (byte) (i * 31 + id);
        }
        frame[0] = (byte) id;
        return frame;
    }

    @Test
    void shouldFinishEveryLandedFrameOnceInOrderWhetherOnThePollingThreadOrQueued() throws Exception {
        ipcJob = new AeronTestJobs.IpcJob(AeronTestJobs.settings(2));
        AeronTransport sender = ipcJob.open(0);
        AeronTransport receiver = ipcJob.open(1);
        Landings landings = new Landings();
        Thread starter = new Thread(() -> receiver.start(landings), "starter");
        starter.start();
        sender.start(new Landings());
        starter.join(30_000);

        List<String> expected = new ArrayList<>();
        for (int id = 1; id <= 3; id++) { // nothing waits: finished on the polling thread
            sender.send(1, ByteBuffer.wrap(frame(id)));
            expected.add("landed " + id);
        }
        awaitFinished(landings, 3);
        assertEquals(3, receiver.framesLandedOnPollingThread());

        sender.send(1, ByteBuffer.wrap(new byte[] {0, 9})); // delivered whole, and its delivery waits
        expected.add("whole 9");
        await("the whole frame's delivery", 30_000, () -> landings.delivering.getCount() == 0);
        for (int id = 4; id <= 6; id++) { // queued behind it
            sender.send(1, ByteBuffer.wrap(frame(id)));
            expected.add("landed " + id);
        }
        await("frames 4-6 landed", 30_000, () -> landings.put.get() == 6); // queued, as the delivery still waits
        landings.release.countDown();
        awaitFinished(landings, 7);
        await("the delivering thread idle", 60_000, receiver::deliveriesIdle);
        for (int id = 7; id <= 9; id++) {
            sender.send(1, ByteBuffer.wrap(frame(id)));
            expected.add("landed " + id);
        }
        awaitFinished(landings, 10);

        assertEquals(expected, landings.finished);
        for (int i = 0; i < landings.bytes.size(); i++) {
            int id = landings.bytes.get(i)[0];
            assertArrayEquals(frame(id), landings.bytes.get(i), "frame " + id);
        }
        assertEquals(6, landings.now.get(), "frames 1-3 and, once the queue drained, 7-9 finished on the polling"
            + " thread; 4-6, sent while a delivery waited, queued behind it");
        assertEquals(6, receiver.framesLandedOnPollingThread());
        assertEquals(0, receiver.errors());
    }

    private static void awaitFinished(Landings landings, int count) {
        await(count + " frames finished", 60_000, () -> landings.finished.size() >= count);
    }
}
