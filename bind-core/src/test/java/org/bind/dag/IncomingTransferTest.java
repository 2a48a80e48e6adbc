package org.bind.dag;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import org.bind.codec.Codec;
import org.bind.codec.Codecs;
import org.bind.testing.DumpStacksOnTimeout;
import org.bind.transport.Frames;
import org.bind.transport.MalformedFrameException;
import org.bind.transport.Messages;
import org.bind.version.ArrayBufferType;
import org.bind.version.BufferPool;
import org.bind.version.BufferType;
import org.bind.version.Failure;
import org.bind.version.Version;
import org.bind.version.VersionChain;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Chunks of one version landing on one rank, in every order of events the runtime meets: the reader waiting
 * before the first chunk or attaching after it, children joining a relay mid-way, sizes one byte past the chunk
 * size, chunks out of order, malformed encodings. The oracle is the sent array itself and the bytes of its plain
 * encoding.
 */
@ExtendWith(DumpStacksOnTimeout.class)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class IncomingTransferTest {
    static final long JOB = 0x5EED;
    private static final long OBJECT = 7;
    private static final int SOURCE = 0;
    private static final int CHILD = 2;

    /** Records what a transfer does to its rank; can pass forwarded chunks on to another transfer. */
    static class FakeHost implements IncomingHost {
        final List<ByteBuffer> forwarded = new ArrayList<>();
        final List<Integer> forwardedChunks = new ArrayList<>();
        final List<Integer> lostTo = new ArrayList<>();
        Object landed;
        int landedChildren = -1;
        Failure failed;
        int released;
        int dropped;
        Consumer<ByteBuffer> next;
        /** The rank's shared pool received versions land in, or null (always a new buffer). */
        BufferPool pool;

        @Override
        public void forward(int child, Frames.Header first, int chunk, ByteBuffer payload) {
            ByteBuffer frame = frame(first.objectId(), first.versionNumber(), chunk, first.chunks(),
                first.totalLength(), payload.duplicate());
            forwarded.add(frame);
            forwardedChunks.add(chunk);
            if (next != null) {
                next.accept(frame.duplicate());
            }
        }

        @Override
        public void forwardLost(int child, Frames.Header header, Failure failure) {
            lostTo.add(child);
        }

        @Override
        public Failure failureOf(Messages.Failure failure) {
            return new Failure(failure.opName(), failure.rank(), failure.epoch(), new RuntimeException(
                failure.causeText()));
        }

        @Override
        public void landed(IncomingTransfer transfer, Version target, Object value, int bytes, int children) {
            landed = value;
            landedChildren = children;
            target.complete(value, null, delta -> { });
        }

        @Override
        public void failed(IncomingTransfer transfer, Version target, Failure why) {
            failed = why;
            target.fail(why, null, delta -> { });
        }

        @Override
        public Failure decodeFailed(Version target, RuntimeException cause) {
            return new Failure("receive of " + target, 1, 0, cause);
        }

        @Override
        public void releaseChild(Version target) {
            released++;
        }

        @Override
        public void countDropped() {
            dropped++;
        }

        @Override
        public Object recycledBuffer(BufferType<Object> type) {
            return pool == null ? null : pool.take(type);
        }
    }

    static Version pendingVersion(Class<?> arrayType, int length) {
        VersionChain chain = new VersionChain(null, OBJECT, "A#" + OBJECT, new ArrayBufferType<>(arrayType, length));
        Version version = chain.supersedeRemote(null, delta -> { });
        version.addHold(); // the reader's, as Exchange.expect takes it
        return version;
    }

    private static ByteBuffer frame(long object, long number, int chunk, int chunks, int total, ByteBuffer payload) {
        int length = payload.remaining();
        ByteBuffer frame = Frames.allocate(Frames.DATA, JOB, 0, SOURCE, object, number, chunk, chunks, total, length);
        frame.put(payload);
        return frame.flip();
    }

    /** The frames a sender makes of {@code value}'s encoding in chunks of {@code chunkBytes}. */
    static List<ByteBuffer> chunksOf(Object value, int chunkBytes) {
        @SuppressWarnings("unchecked")
        Codec<Object> codec = (Codec<Object>) Codecs.of(value.getClass());
        int total = codec.encodedLength(value);
        ByteBuffer encoded = ByteBuffer.allocate(total).order(ByteOrder.LITTLE_ENDIAN);
        codec.encode(value, encoded, 0);
        int chunks = Math.max(1, (total + chunkBytes - 1) / chunkBytes);
        List<ByteBuffer> frames = new ArrayList<>();
        for (int c = 0; c < chunks; c++) {
            int from = c * chunkBytes;
            frames.add(frame(OBJECT, 1, c, chunks, total, encoded.slice(from, Math.min(chunkBytes, total - from))));
        }
        return frames;
    }

    static void deliver(IncomingTransfer transfer, ByteBuffer frame) {
        transfer.onChunk(Frames.parse(frame, JOB, Integer.MAX_VALUE), frame);
    }

    static double[] doubles(int n, long seed) {
        Random random = new Random(seed);
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextDouble();
        }
        return values;
    }

    @Test
    void shouldLandEveryChunkInPlaceWhenTheReaderWaitsBeforeTheFirstChunk() {
        double[] sent = doubles(100_000, 1);
        Version target = pendingVersion(double[].class, sent.length);
        FakeHost host = new FakeHost();
        IncomingTransfer transfer = new IncomingTransfer(host, "A");
        transfer.attach(target);
        List<ByteBuffer> frames = chunksOf(sent, 100_003); // chunk ends cut elements: 4 + 8k is never 100_003 m
        for (int c = 0; c < frames.size(); c++) {
            deliver(transfer, frames.get(c));
            if (c == 0) {
                assertEquals(IncomingTransfer.Storage.IN_PLACE, transfer.storage());
                assertEquals(IncomingTransfer.State.RECEIVING, transfer.state());
            }
        }
        assertEquals(IncomingTransfer.State.DONE, transfer.state());
        assertArrayEquals(sent, (double[]) target.buffer());
        assertSame(host.landed, target.buffer());
    }

    @Test
    void shouldKeepTheBytesWholeWhileNoReaderWaitsAndLandTheRestInPlaceOnceOneAttaches() {
        int[] sent = new Random(2).ints(70_000).toArray();
        Version target = pendingVersion(int[].class, sent.length);
        FakeHost host = new FakeHost();
        IncomingTransfer transfer = new IncomingTransfer(host, "A");
        List<ByteBuffer> frames = chunksOf(sent, 65_539);
        deliver(transfer, frames.get(0));
        deliver(transfer, frames.get(1));
        assertEquals(IncomingTransfer.Storage.WHOLE, transfer.storage());
        transfer.attach(target);
        assertEquals(IncomingTransfer.Storage.IN_PLACE, transfer.storage());
        for (int c = 2; c < frames.size(); c++) {
            deliver(transfer, frames.get(c));
        }
        assertArrayEquals(sent, (int[]) target.buffer());
    }

    @Test
    void shouldDeliverAVersionReceivedWholeToAReaderThatAttachesAfterTheLastChunk() {
        long[] sent = new Random(3).longs(20_000).toArray();
        Version target = pendingVersion(long[].class, sent.length);
        FakeHost host = new FakeHost();
        IncomingTransfer transfer = new IncomingTransfer(host, "A");
        chunksOf(sent, 70_001).forEach(f -> deliver(transfer, f));
        assertEquals(IncomingTransfer.State.RECEIVED, transfer.state());
        assertFalse(target.isDone());
        transfer.attach(target);
        assertEquals(IncomingTransfer.State.DONE, transfer.state());
        assertArrayEquals(sent, (long[]) target.buffer());
    }

    /** A version one byte larger than the chunk size: a full chunk, then a chunk of one byte. */
    @Test
    void shouldLandAVersionOneByteLargerThanTheChunkSize() {
        for (Object sent : new Object[] {doubles(20_000, 4), new byte[100_000], new Random(5).ints(30_001).toArray()}) {
            @SuppressWarnings("unchecked")
            Codec<Object> codec = (Codec<Object>) Codecs.of(sent.getClass());
            int total = codec.encodedLength(sent);
            List<ByteBuffer> frames = chunksOf(sent, total - 1);
            assertEquals(2, frames.size());
            assertEquals(Frames.HEADER_BYTES + 1, frames.get(1).remaining());
            Version target = pendingVersion(sent.getClass(), java.lang.reflect.Array.getLength(sent));
            IncomingTransfer transfer = new IncomingTransfer(new FakeHost(), "A");
            transfer.attach(target);
            frames.forEach(f -> deliver(transfer, f));
            assertEquals(IncomingTransfer.Storage.IN_PLACE, transfer.storage());
            assertTrue(java.util.Objects.deepEquals(sent, target.buffer()), sent.getClass().getSimpleName());
        }
    }

    /** The first chunk comes late: the reader and the relay's child are both known before it. */
    @Test
    void shouldRelayEveryChunkAsItArrivesWhenTheChildIsKnownBeforeTheFirstChunk() {
        double[] sent = doubles(50_000, 6);
        Version target = pendingVersion(double[].class, sent.length);
        FakeHost host = new FakeHost();
        IncomingTransfer transfer = new IncomingTransfer(host, "A");
        transfer.attach(target);
        assertTrue(transfer.addChild(CHILD, target));
        List<ByteBuffer> frames = chunksOf(sent, 65_541);
        for (int c = 0; c < frames.size(); c++) {
            deliver(transfer, frames.get(c));
            assertEquals(c + 1, host.forwarded.size(), "chunk " + c + " forwarded as it arrived");
        }
        for (int c = 0; c < frames.size(); c++) {
            assertEquals(Frames.payload(frames.get(c)), Frames.payload(host.forwarded.get(c)), "chunk " + c);
        }
        assertEquals(1, host.landedChildren);
        assertEquals(1, host.released);
    }

    /**
     * A tree 0 -> 1 -> 2 whose events come out of order: rank 1's child is added after three chunks landed in place
     * (cut elements re-encoded from the half-filled array), rank 2's reader attaches only mid-way. Rank 2 receives the
     * chunks, in order and byte for byte, and both ranks end with the sent array.
     */
    @Test
    void shouldRelayChunksOfAVersionLandingInPlaceToAChildThatJoinsMidway() {
        double[] sent = doubles(60_000, 7);
        Version atRelay = pendingVersion(double[].class, sent.length);
        Version atLeaf = pendingVersion(double[].class, sent.length);
        FakeHost relayHost = new FakeHost();
        FakeHost leafHost = new FakeHost();
        IncomingTransfer relay = new IncomingTransfer(relayHost, "A at 1");
        IncomingTransfer leaf = new IncomingTransfer(leafHost, "A at 2");
        relayHost.next = frame -> deliver(leaf, frame);
        relay.attach(atRelay);
        List<ByteBuffer> frames = chunksOf(sent, 65_543);
        for (int c = 0; c < 3; c++) {
            deliver(relay, frames.get(c));
        }
        assertTrue(relay.addChild(CHILD, atRelay));
        assertEquals(2, relayHost.forwarded.size(), "chunk 2 ends inside an element: it waits for chunk 3");
        deliver(relay, frames.get(3));
        leaf.attach(atLeaf);
        for (int c = 4; c < frames.size(); c++) {
            deliver(relay, frames.get(c));
        }
        assertEquals(frames.size(), relayHost.forwarded.size());
        for (int c = 0; c < frames.size(); c++) {
            assertEquals(c, relayHost.forwardedChunks.get(c));
            assertEquals(Frames.payload(frames.get(c)), Frames.payload(relayHost.forwarded.get(c)), "chunk " + c);
        }
        assertArrayEquals(sent, (double[]) atRelay.buffer());
        assertArrayEquals(sent, (double[]) atLeaf.buffer());
        assertEquals(IncomingTransfer.Storage.IN_PLACE, leaf.storage());
    }

    @Test
    void shouldRefuseAChunkOutOfOrderNamingTheVersionAndLandNothing() {
        double[] sent = doubles(30_000, 8);
        Version target = pendingVersion(double[].class, sent.length);
        IncomingTransfer transfer = new IncomingTransfer(new FakeHost(), "version 1 of object 7");
        transfer.attach(target);
        List<ByteBuffer> frames = chunksOf(sent, 65_536);
        deliver(transfer, frames.get(0));
        MalformedFrameException refused = assertThrows(MalformedFrameException.class,
            () -> deliver(transfer, frames.get(2)));
        assertTrue(refused.getMessage().contains("version 1 of object 7"), refused.getMessage());
        assertTrue(refused.getMessage().contains("expected chunk 1"), refused.getMessage());
        assertFalse(target.isDone());
    }

    @Test
    void shouldFailTheReaderWhenTheCountDisagreesWithTheLengthAndDropLaterChunks() {
        int n = 20_000;
        ByteBuffer bad = ByteBuffer.allocate(4 + 8 * n).order(ByteOrder.LITTLE_ENDIAN).putInt(0, n + 1);
        int total = bad.capacity();
        Version target = pendingVersion(double[].class, n);
        FakeHost host = new FakeHost();
        IncomingTransfer transfer = new IncomingTransfer(host, "A");
        transfer.attach(target);
        deliver(transfer, frame(OBJECT, 1, 0, 2, total, bad.slice(0, 80_004)));
        assertTrue(target.isFailed());
        assertTrue(host.failed.cause().getMessage().contains(n + 1 + " elements"), host.failed.cause().getMessage());
        deliver(transfer, frame(OBJECT, 1, 1, 2, total, bad.slice(80_004, total - 80_004)));
        assertEquals(1, host.dropped);
        assertNull(host.landed);
    }

    @Test
    void shouldFailAReaderThatAttachesAfterTheVersionWasLostAndTellTheChildren() {
        Version target = pendingVersion(double[].class, 10);
        FakeHost host = new FakeHost();
        IncomingTransfer transfer = new IncomingTransfer(host, "A");
        deliver(transfer, chunksOf(doubles(20_000, 9), 65_536).get(0));
        assertTrue(transfer.addChild(CHILD, target));
        ByteBuffer lost = Frames.allocate(Frames.LOST, JOB, 0, SOURCE, OBJECT, 1, 0, 1, 0, 0).flip();
        transfer.onLost(Frames.parse(lost, JOB, Integer.MAX_VALUE),
            new Messages.Failure(0, "produce", 0, 0, "java.lang.IllegalStateException", "boom"));
        assertEquals(IncomingTransfer.State.LOST, transfer.state());
        assertEquals(List.of(CHILD), host.lostTo);
        assertEquals(1, host.released);
        assertFalse(transfer.addChild(3, target));
        transfer.attach(target);
        assertTrue(target.isFailed());
        assertEquals("boom", target.failure().cause().getMessage());
    }

    @Test
    void shouldKeepSmallFirstChunksApartAndJoinThemOnce() {
        double[] sent = doubles(3_000, 10);
        Version target = pendingVersion(double[].class, sent.length);
        IncomingTransfer transfer = new IncomingTransfer(new FakeHost(), "A");
        transfer.attach(target);
        List<ByteBuffer> frames = chunksOf(sent, 1_000);
        deliver(transfer, frames.get(0));
        assertEquals(IncomingTransfer.Storage.PIECES, transfer.storage());
        frames.subList(1, frames.size()).forEach(f -> deliver(transfer, f));
        assertArrayEquals(sent, (double[]) target.buffer());
        assertTrue(Arrays.equals(sent, (double[]) target.buffer()));
    }
    @Test
    void shouldChargeEveryUnclaimedChunkItsBytesAndItsOverheadAndReleaseItAllOnceClaimed() {
        double[] sent = doubles(500, 11);
        long[] held = {0};
        FakeHost host = new FakeHost() {
            @Override
            public void holdUnclaimed(int source, long bytes, String what) {
                held[0] += bytes;
            }

            @Override
            public void releaseUnclaimed(int source, long bytes) {
                held[0] -= bytes;
            }
        };
        IncomingTransfer transfer = new IncomingTransfer(host, "A", SOURCE);
        List<ByteBuffer> frames = chunksOf(sent, 8); // 4004 bytes in 501 chunks, kept apart
        frames.forEach(f -> deliver(transfer, f));
        assertEquals(IncomingTransfer.Storage.PIECES, transfer.storage());
        // tiny chunks cost the heap far more than their bytes: each is charged its array, list slot and table entry
        assertEquals(UnclaimedBudget.TRANSFER_OVERHEAD_BYTES + 4 + 8L * sent.length
            + frames.size() * UnclaimedBudget.CHUNK_OVERHEAD_BYTES, held[0]);
        Version target = pendingVersion(double[].class, sent.length);
        transfer.attach(target);
        assertEquals(0, held[0], "bytes still charged once a reader claimed the version");
        assertArrayEquals(sent, (double[]) target.buffer());
    }

    @Test
    void shouldRefuseAnEmptyChunkOfAVersionThatHasBytes() {
        double[] sent = doubles(30_000, 12);
        IncomingTransfer transfer = new IncomingTransfer(new FakeHost(), "version 1 of object 7");
        // empty chunks of a version with bytes: none a sender makes, each one more entry in the chunk table
        List<ByteBuffer> frames = chunksOf(sent, 65_536);
        deliver(transfer, frames.get(0));
        int total = 4 + 8 * sent.length;
        ByteBuffer empty = frame(OBJECT, 1, 1, frames.size(), total, ByteBuffer.allocate(0));
        MalformedFrameException refused = assertThrows(MalformedFrameException.class, () -> deliver(transfer, empty));
        assertTrue(refused.getMessage().contains("chunk 1 of " + frames.size() + " (0 of " + total + " bytes)"),
            refused.getMessage());
    }
}
