package org.bind.dag;

import static org.bind.dag.IncomingTransferTest.JOB;
import static org.bind.dag.IncomingTransferTest.chunksOf;
import static org.bind.dag.IncomingTransferTest.deliver;
import static org.bind.dag.IncomingTransferTest.doubles;
import static org.bind.dag.IncomingTransferTest.pendingVersion;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.bind.dag.IncomingTransferTest.FakeHost;
import org.bind.testing.DumpStacksOnTimeout;
import org.bind.transport.Frames;
import org.bind.transport.MalformedFrameException;
import org.bind.version.Failure;
import org.bind.version.Version;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Chunks landing while their frames arrive ({@link IncomingTransfer#land}): piece by piece from the transport's
 * buffer, ahead of their delivery, with the transfer's lock busy in the middle of a frame, abandoned half-way, and the
 * cases that must come whole instead. The oracle is the sent array and the bytes of its plain encoding.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class ChunkLandingTest {
    /** One MTU's payload: the size of the pieces Aeron hands over. */
    private static final int PIECE_BYTES = 1_376;

    private static Frames.Header header(ByteBuffer frame) {
        return Frames.parse(frame, JOB, Integer.MAX_VALUE);
    }

    /** What the transfers of a test tell their host: the frames relayed, what landed, what was dropped. */
    private final FakeHost host = new FakeHost();

    /** A transfer from rank "A" receiving into {@code target}, telling {@link #host}. */
    private IncomingTransfer attachedTo(Version target) {
        IncomingTransfer transfer = new IncomingTransfer(host, "A");
        transfer.attach(target);
        return transfer;
    }

    /** Puts {@code frame}'s bytes {@code from..to} to {@code landing} in pieces, as views of the frame. */
    private static void put(ChunkLanding landing, ByteBuffer frame, int from, int to) {
        for (int at = from; at < to; at += PIECE_BYTES) {
            landing.put(frame.slice(at, Math.min(PIECE_BYTES, to - at)));
        }
    }

    @Test
    void shouldLandEveryChunkPieceByPieceAheadOfItsDelivery() {
        double[] sent = doubles(40_000, 21);
        List<ByteBuffer> frames = chunksOf(sent, 100_001); // chunk ends cut doubles apart
        Version target = pendingVersion(double[].class, sent.length);
        IncomingTransfer transfer = attachedTo(target);
        List<ChunkLanding> landings = new ArrayList<>();
        for (ByteBuffer frame : frames) {
            ChunkLanding landing = transfer.land(header(frame));
            assertNotNull(landing, "chunk " + landings.size() + " lands in place");
            put(landing, frame, 0, frame.remaining());
            landings.add(landing);
        }
        assertEquals(IncomingTransfer.Storage.IN_PLACE, transfer.storage());
        assertNull(host.landed, "delivered before the frames were");
        assertEquals(IncomingTransfer.State.RECEIVING, transfer.state());
        landings.forEach(ChunkLanding::onLanded);
        assertEquals(IncomingTransfer.State.DONE, transfer.state());
        assertSame(target.buffer(), host.landed);
        assertArrayEquals(sent, (double[]) target.buffer());
        assertEquals(0, host.dropped);
    }

    /**
     * With no child to relay to and the locks free, each chunk is finished on the receiving thread as its last piece
     * lands ({@link ChunkLanding#tryLandNow}): accounted, and the version completed after the last, with no delivery
     * at all. The value is the sent array; nothing is dropped.
     */
    @Test
    void shouldFinishEachChunkOnTheReceivingThreadWhenNoChildIsRelayed() {
        double[] sent = doubles(40_000, 31);
        List<ByteBuffer> frames = chunksOf(sent, 100_001);
        Version target = pendingVersion(double[].class, sent.length);
        IncomingTransfer transfer = attachedTo(target);
        for (int c = 0; c < frames.size(); c++) {
            ChunkLanding landing = transfer.land(header(frames.get(c)));
            assertNotNull(landing, "chunk " + c + " lands in place");
            put(landing, frames.get(c), 0, frames.get(c).remaining());
            assertNull(host.landed, "complete before its last chunk");
            assertTrue(landing.tryLandNow(), "chunk " + c + " finished where it landed");
        }
        assertEquals(IncomingTransfer.State.DONE, transfer.state());
        assertSame(target.buffer(), host.landed);
        assertArrayEquals(sent, (double[]) target.buffer());
        assertEquals(0, host.dropped);
        assertEquals(0, host.landedChildren);
    }

    /**
     * A chunk is left to the delivering thread, with nothing changed, when finishing it could wait: a child to relay
     * to (the send may wait out back-pressure), or the transfer's lock held by another thread. Delivered as usual
     * afterwards, the version is the sent array and the child got every chunk.
     */
    @Test
    void shouldLeaveAChunkToTheDeliveringThreadWhenARelayOrABusyLockCouldMakeItWait() throws Exception {
        double[] sent = doubles(30_000, 32);
        List<ByteBuffer> frames = chunksOf(sent, 100_001);
        assertTrue(frames.size() >= 3, frames.size() + " chunks");
        Version target = pendingVersion(double[].class, sent.length);
        IncomingTransfer transfer = attachedTo(target);

        ChunkLanding first = transfer.land(header(frames.get(0)));
        put(first, frames.get(0), 0, frames.get(0).remaining());
        LockHolder holder = new LockHolder(transfer);
        assertFalse(first.tryLandNow(), "the lock is busy: left to the delivering thread");
        holder.release();
        first.onLanded();

        transfer.addChild(2, target);
        for (ByteBuffer frame : frames.subList(1, frames.size())) {
            ChunkLanding next = transfer.land(header(frame));
            assertNotNull(next);
            put(next, frame, 0, frame.remaining());
            assertFalse(next.tryLandNow(), "a child is relayed: left to the delivering thread");
            next.onLanded();
        }
        assertEquals(IncomingTransfer.State.DONE, transfer.state());
        assertArrayEquals(sent, (double[]) target.buffer());
        assertEquals(frames.size(), host.forwarded.size());
        for (int c = 0; c < frames.size(); c++) {
            assertEquals(Frames.payload(frames.get(c)), Frames.payload(host.forwarded.get(c)), "chunk " + c);
        }
        assertEquals(1, host.landedChildren);
    }

    /** A version one byte larger than the chunk size: a full chunk, then a chunk of one byte, both landing. */
    @Test
    void shouldLandAVersionOneByteLargerThanTheChunkSizeAsItArrives() {
        for (Object sent : new Object[] {doubles(20_000, 25), new java.util.Random(26).ints(30_001).toArray()}) {
            @SuppressWarnings("unchecked")
            org.bind.codec.Codec<Object> codec =
                (org.bind.codec.Codec<Object>) org.bind.codec.Codecs.of(sent.getClass());
            int total = codec.encodedLength(sent);
            List<ByteBuffer> frames = chunksOf(sent, total - 1);
            assertEquals(Frames.HEADER_BYTES + 1, frames.get(1).remaining());
            Version target = pendingVersion(sent.getClass(), java.lang.reflect.Array.getLength(sent));
            IncomingTransfer transfer = new IncomingTransfer(new FakeHost(), "A");
            transfer.attach(target);
            List<ChunkLanding> landings = new ArrayList<>();
            for (ByteBuffer frame : frames) {
                ChunkLanding landing = transfer.land(header(frame));
                assertNotNull(landing);
                put(landing, frame, 0, frame.remaining());
                landings.add(landing);
            }
            landings.forEach(ChunkLanding::onLanded);
            assertTrue(java.util.Objects.deepEquals(sent, target.buffer()), sent.getClass().getSimpleName());
        }
    }

    /**
     * The program thread adds a child while a chunk lands: its catch-up send goes out with the transfer's lock
     * released, so the rest of that frame, and the whole next one, land in place meanwhile. When the lock itself is
     * busy (another thread holds it) the rest of a frame is kept aside and stored on delivery, and the chunk after it
     * must come whole until then. The child gets every chunk, in order, with the sent bytes.
     */
    @Test
    void shouldLandWhileTheRelaySendsAndKeepTheRestOfAFrameWhileTheLockIsBusy() throws Exception {
        double[] sent = doubles(60_000, 22);
        List<ByteBuffer> frames = chunksOf(sent, 70_001);
        assertTrue(frames.size() >= 5, frames.size() + " chunks");
        Version target = pendingVersion(double[].class, sent.length);
        IncomingTransfer transfer = attachedTo(target);
        ChunkLanding first = transfer.land(header(frames.get(0)));
        put(first, frames.get(0), 0, frames.get(0).remaining());
        first.onLanded();

        ByteBuffer second = frames.get(1);
        ChunkLanding landing = transfer.land(header(second));
        put(landing, second, 0, 3 * PIECE_BYTES);
        CountDownLatch sending = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        host.next = frame -> {
            sending.countDown();
            try {
                assertTrue(release.await(20, TimeUnit.SECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        };
        Thread program = new Thread(() -> transfer.addChild(2, target), "program");
        program.start();
        assertTrue(sending.await(20, TimeUnit.SECONDS), "the catch-up send started");
        put(landing, second, 3 * PIECE_BYTES, second.remaining()); // lands in place: the send holds no lock of ours
        ChunkLanding third = transfer.land(header(frames.get(2)));
        assertNotNull(third, "chunk 1 is stored while the catch-up send is out: chunk 2 may land");
        put(third, frames.get(2), 0, frames.get(2).remaining());

        ByteBuffer fourth = frames.get(3);
        ChunkLanding busy = transfer.land(header(fourth));
        assertNotNull(busy);
        put(busy, fourth, 0, 2 * PIECE_BYTES);
        LockHolder holder = new LockHolder(transfer);
        put(busy, fourth, 2 * PIECE_BYTES, fourth.remaining()); // the lock is busy: kept aside, never waits
        holder.release();
        assertNull(transfer.land(header(frames.get(4))), "chunk 3 is kept aside, not stored: chunk 4 comes whole");

        release.countDown();
        host.next = null;
        program.join(20_000);
        assertFalse(program.isAlive());
        landing.onLanded();
        third.onLanded();
        busy.onLanded();
        for (ByteBuffer frame : frames.subList(4, frames.size())) {
            ChunkLanding next = transfer.land(header(frame));
            assertNotNull(next);
            put(next, frame, 0, frame.remaining());
            next.onLanded();
        }
        assertArrayEquals(sent, (double[]) target.buffer());
        assertEquals(frames.size(), host.forwarded.size());
        for (int c = 0; c < frames.size(); c++) {
            assertEquals(c, host.forwardedChunks.get(c));
            assertEquals(Frames.payload(frames.get(c)), Frames.payload(host.forwarded.get(c)), "chunk " + c);
        }
        assertEquals(1, host.landedChildren);
    }

    /**
     * The lock is busy for a few pieces in the middle of a frame (the delivering thread accounting the chunk before):
     * only those pieces are kept aside; the next piece that finds the lock free stores them first, then itself, so
     * the chunk is whole on the receiving thread and the next one lands at once. The value is the sent array.
     */
    @Test
    void shouldKeepAsideOnlyThePiecesThatCameWhileTheLockWasBusy() throws Exception {
        double[] sent = doubles(50_000, 27);
        List<ByteBuffer> frames = chunksOf(sent, 100_003);
        Version target = pendingVersion(double[].class, sent.length);
        IncomingTransfer transfer = attachedTo(target);
        ByteBuffer frame = frames.get(0);
        ChunkLanding landing = transfer.land(header(frame));
        put(landing, frame, 0, 2 * PIECE_BYTES);
        LockHolder holder = new LockHolder(transfer);
        put(landing, frame, 2 * PIECE_BYTES, 5 * PIECE_BYTES); // three pieces while the lock is busy
        assertEquals(3 * PIECE_BYTES, landing.keptBytes(), "the pieces that found the lock busy are kept");
        holder.release();
        put(landing, frame, 5 * PIECE_BYTES, frame.remaining());
        assertEquals(0, landing.keptBytes(), "stored with the next piece that found the lock free");
        ChunkLanding next = transfer.land(header(frames.get(1)));
        assertNotNull(next, "chunk 0 is whole on the receiving thread: chunk 1 lands at once");
        landing.onLanded();
        put(next, frames.get(1), 0, frames.get(1).remaining());
        next.onLanded();
        for (ByteBuffer rest : frames.subList(2, frames.size())) {
            ChunkLanding later = transfer.land(header(rest));
            assertNotNull(later);
            put(later, rest, 0, rest.remaining());
            later.onLanded();
        }
        assertEquals(IncomingTransfer.State.DONE, transfer.state());
        assertArrayEquals(sent, (double[]) target.buffer());
        assertEquals(0, host.dropped);
    }

    @Test
    void shouldDropTheRestOfALandingWhenTheTransferIsAbandoned() {
        double[] sent = doubles(30_000, 23);
        List<ByteBuffer> frames = chunksOf(sent, 100_000);
        Version target = pendingVersion(double[].class, sent.length);
        IncomingTransfer transfer = attachedTo(target);
        ByteBuffer frame = frames.get(0);
        ChunkLanding landing = transfer.land(header(frame));
        put(landing, frame, 0, frame.remaining() / 2);
        Failure why = new Failure("receive from rank 0", 1, 0, new IllegalStateException("rank 0 lost"));
        transfer.abandon(why);
        put(landing, frame, frame.remaining() / 2, frame.remaining());
        landing.onLanded();
        assertTrue(target.isFailed());
        assertSame(why, host.failed);
        assertEquals(1, host.dropped);
        assertNull(transfer.land(header(frames.get(1))));
    }

    @Test
    void shouldLandNothingInPlaceForAnUnclaimedVersionAChunkOutOfOrderOrWhileAnotherLands() {
        double[] sent = doubles(30_000, 24);
        List<ByteBuffer> frames = chunksOf(sent, 100_000);
        IncomingTransfer unclaimed = new IncomingTransfer(new FakeHost(), "A");
        assertNull(unclaimed.land(header(frames.get(0))), "no reader here: the type is not known");

        Version target = pendingVersion(double[].class, sent.length);
        IncomingTransfer transfer = new IncomingTransfer(new FakeHost(), "version 1 of object 7");
        transfer.attach(target);
        assertNull(transfer.land(header(frames.get(1))), "chunk 1 before chunk 0");
        MalformedFrameException refused = assertThrows(MalformedFrameException.class,
            () -> deliver(transfer, frames.get(1)));
        assertTrue(refused.getMessage().contains("expected chunk 0"), refused.getMessage());

        ChunkLanding landing = transfer.land(header(frames.get(0)));
        assertNotNull(landing);
        assertNull(transfer.land(header(frames.get(1))), "chunk 0 is still landing");
        put(landing, frames.get(0), 0, frames.get(0).remaining());
        assertNotNull(transfer.land(header(frames.get(1))), "chunk 0 is stored: chunk 1 may land");
    }

    /**
     * Another thread holding {@code transfer}'s lock until {@link #release}, as the delivering thread does while it
     * accounts a chunk.
     */
    private static final class LockHolder {
        private final CountDownLatch locked = new CountDownLatch(1);
        private final CountDownLatch unlock = new CountDownLatch(1);
        private final Thread thread;

        LockHolder(IncomingTransfer transfer) throws InterruptedException {
            thread = new Thread(() -> {
                transfer.lock().lock();
                try {
                    locked.countDown();
                    assertTrue(unlock.await(20, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                } finally {
                    transfer.lock().unlock();
                }
            }, "holder");
            thread.start();
            assertTrue(locked.await(20, TimeUnit.SECONDS), "the holder took the lock");
        }

        /** Lets the lock go and waits for the holder to end. */
        void release() throws InterruptedException {
            unlock.countDown();
            thread.join(20_000);
            assertFalse(thread.isAlive(), "the holder ended");
        }
    }
}
