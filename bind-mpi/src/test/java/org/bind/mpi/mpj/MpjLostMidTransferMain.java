package org.bind.mpi.mpj;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.bind.transport.Transport;
import org.bind.transport.TransportFactory;

/**
 * A peer lost in the middle of a large transfer over the MPJ data plane (niodev, 3 ranks): the last rank sends rank 0
 * {@value #SMALL_FRAMES} frames of {@value #SMALL_BYTES} bytes (over niodev's eager limit, so each goes by its
 * rendezvous), waits for rank 0's acknowledgement, then queues two frames of {@value #LARGE_BYTES} bytes and halts its
 * JVM at once, while they move. Every survivor must be told the victim is lost within {@value #LOSS_TIMEOUT_MS} ms
 * (the heartbeat timeout, or niodev failing), never hang, and close; what rank 0 received from the victim must be a
 * prefix of what it sent, each frame whole (checked against the frames regenerated from their index). Prints
 * {@code mpj-lost-mid rank R ok ...} or throws.
 */
public final class MpjLostMidTransferMain {
    static final int SMALL_FRAMES = 3;
    static final int SMALL_BYTES = 4 << 20;
    static final int LARGE_BYTES = 32 << 20;
    private static final long LOSS_TIMEOUT_MS = 60_000;

    private MpjLostMidTransferMain() {
    }

    public static void main(String[] args) throws Exception {
        TransportFactory.Bootstrap joined = new MpjJoin().join(args, Map.of());
        MpjTransport transport = (MpjTransport) joined.transport();
        int rank = transport.rank();
        int victim = transport.size() - 1;
        Watch watch = new Watch(victim);
        transport.start(watch);
        if (rank == victim) {
            for (int i = 0; i < SMALL_FRAMES; i++) {
                transport.send(0, ByteBuffer.wrap(frame(i)));
            }
            if (!watch.acknowledged.await(LOSS_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
                throw new AssertionError("rank 0 did not acknowledge the small frames");
            }
            transport.send(0, ByteBuffer.wrap(frame(SMALL_FRAMES)));
            transport.send(0, ByteBuffer.wrap(frame(SMALL_FRAMES + 1)));
            System.out.println("mpj-lost-mid rank " + rank + " halting with two frames of " + LARGE_BYTES
                + " bytes queued");
            System.out.flush();
            Runtime.getRuntime().halt(3);
        }
        long startNs = System.nanoTime();
        if (rank == 0) {
            watch.awaitFrames(SMALL_FRAMES);
            transport.send(victim, ByteBuffer.wrap(new byte[] {1}));   // the acknowledgement
        }
        if (!watch.lost.await(LOSS_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            throw new AssertionError("rank " + rank + ": rank " + victim + " not reported lost within "
                + LOSS_TIMEOUT_MS + " ms");
        }
        long lostAfterMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startNs);
        List<byte[]> received = List.copyOf(watch.frames);
        for (int i = 0; i < received.size(); i++) {
            if (!java.util.Arrays.equals(frame(i), received.get(i))) {
                throw new AssertionError("rank " + rank + ": frame " + i + " from rank " + victim + " differs ("
                    + received.get(i).length + " bytes)");
            }
        }
        if (rank == 0 && received.size() < SMALL_FRAMES) {
            throw new AssertionError("rank 0 holds " + received.size() + " frames, fewer than it acknowledged");
        }
        transport.close();
        System.out.println("mpj-lost-mid rank " + rank + " ok lost-after-ms=" + lostAfterMs + " frames="
            + received.size() + " reason=" + watch.reason);
    }

    /** The oracle: frame {@code i} from the victim, its index then bytes from a seeded generator. */
    static byte[] frame(int i) {
        byte[] frame = new byte[i < SMALL_FRAMES ? SMALL_BYTES : LARGE_BYTES];
        ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).putInt(i);
        SplittableRandom random = new SplittableRandom(i * 7919L);
        for (int b = 4; b < frame.length; b++) {
            frame[b] = (byte) random.nextInt();
        }
        return frame;
    }

    /** Records the victim's frames (whole) and its loss; the victim sees rank 0's acknowledgement here. */
    private static final class Watch implements Transport.Receiver {
        final List<byte[]> frames = new CopyOnWriteArrayList<>();
        final CountDownLatch acknowledged = new CountDownLatch(1);
        final CountDownLatch lost = new CountDownLatch(1);
        final int victim;
        volatile String reason;

        Watch(int victim) {
            this.victim = victim;
        }

        void awaitFrames(int count) throws InterruptedException {
            long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(LOSS_TIMEOUT_MS);
            while (frames.size() < count) {
                if (System.nanoTime() > deadlineNs || lost.getCount() == 0) {
                    throw new AssertionError("rank 0: " + frames.size() + " of " + count + " frames from rank "
                        + victim + " before it was lost or within " + LOSS_TIMEOUT_MS + " ms");
                }
                Thread.sleep(5);
            }
        }

        @Override
        public void onFrame(int fromRank, ByteBuffer frame) {
            if (fromRank == victim) {
                byte[] copy = new byte[frame.remaining()];
                frame.get(copy);
                frames.add(copy);
            } else {
                acknowledged.countDown();
            }
        }

        @Override
        public void onPeerLost(int rank, String why) {
            if (rank == victim) {
                reason = why;
                lost.countDown();
            }
        }

        @Override
        public void onPeerClosed(int rank) {
        }
    }
}
