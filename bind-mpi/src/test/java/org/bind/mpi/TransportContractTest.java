package org.bind.mpi;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import org.bind.transport.Transport;
import org.bind.transport.TransportException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What every {@link Transport} must do: complete frames, in order per pair, of any size up to 8 MiB, between all
 * ranks; an idempotent close that leaves no threads or files; a close reported to peers after its frames, not as a
 * loss; no sends after close; nothing more delivered from a peer the receiver refused, but its close. One subclass
 * per transport.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
public abstract class TransportContractTest {
    private final List<Transport> opened = new ArrayList<>();

    /** {@code size} connected, not yet started ends of one job, indexed by rank. */
    protected abstract Transport[] create(int size);

    /** Threads of this transport start with this name. */
    protected abstract String threadPrefix();

    /** Checks that {@code closed} left no files behind. */
    protected void assertNoFilesLeft(Transport[] closed) {
    }

    /** Records what one rank receives. */
    public static class Recorder implements Transport.Receiver {
        public final List<ConcurrentLinkedQueue<byte[]>> frames = new ArrayList<>();
        public final List<String> lost = new CopyOnWriteArrayList<>();
        /** Per source rank, in delivery order: "frame" for each frame, "closed" for its goodbye. */
        public final List<List<String>> events = new ArrayList<>();

        public Recorder(int size) {
            for (int r = 0; r < size; r++) {
                frames.add(new ConcurrentLinkedQueue<>());
                events.add(new CopyOnWriteArrayList<>());
            }
        }

        @Override
        public void onFrame(int fromRank, ByteBuffer frame) {
            byte[] copy = new byte[frame.remaining()];
            frame.get(copy);
            frames.get(fromRank).add(copy);
            events.get(fromRank).add("frame");
        }

        @Override
        public void onPeerClosed(int rank) {
            events.get(rank).add("closed");
        }

        @Override
        public void onPeerLost(int rank, String reason) {
            lost.add(rank + ": " + reason);
        }

        public int count(int fromRank) {
            return frames.get(fromRank).size();
        }
    }

    protected Recorder[] startAll(Transport[] transports) throws Exception {
        return startAll(transports, new Recorder(transports.length));
    }

    /** Starts every end, rank 0 with {@code first}; the receivers, indexed by rank. */
    protected Recorder[] startAll(Transport[] transports, Recorder first) throws Exception {
        Recorder[] recorders = new Recorder[transports.length];
        for (int r = 0; r < transports.length; r++) {
            recorders[r] = r == 0 ? first : new Recorder(transports.length);
        }
        startAll(transports, recorders);
        return recorders;
    }

    protected void startAll(Transport[] transports, Transport.Receiver[] receivers) throws Exception {
        ExecutorService starter = Executors.newFixedThreadPool(transports.length);
        try {
            List<Future<?>> started = new ArrayList<>();
            for (int r = 0; r < transports.length; r++) {
                opened.add(transports[r]);
                Transport transport = transports[r];
                Transport.Receiver receiver = receivers[r];
                started.add(starter.submit(() -> transport.start(receiver)));
            }
            for (Future<?> future : started) {
                future.get(30, TimeUnit.SECONDS);
            }
        } finally {
            starter.shutdownNow();
        }
    }

    @AfterEach
    void closeAll() {
        opened.forEach(Transport::close);
    }

    public static void await(String what, long timeoutMs, BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                StringBuilder dump = new StringBuilder();
                for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
                    dump.append(e.getKey().getName()).append('\n');
                    for (StackTraceElement element : e.getValue()) {
                        dump.append("    at ").append(element).append('\n');
                    }
                }
                fail("timed out after " + timeoutMs + " ms waiting for " + what + "\n" + dump);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(2));
        }
    }

    private static ByteBuffer numbered(int sequence, int length) {
        ByteBuffer frame = ByteBuffer.allocate(Math.max(4, length)).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(0, sequence);
        return frame;
    }

    private static int sequenceOf(byte[] frame) {
        return ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    }

    @Test
    void shouldDeliverFramesInOrderPerPair() throws Exception {
        Transport[] transports = create(3);
        Recorder[] recorders = startAll(transports);
        int frames = 2_000;
        for (int i = 0; i < frames; i++) {
            for (Transport from : transports) {
                for (int to = 0; to < transports.length; to++) {
                    if (to != from.rank()) {
                        from.send(to, numbered(i, 8 + i % 300));
                    }
                }
            }
        }
        for (int to = 0; to < transports.length; to++) {
            for (int from = 0; from < transports.length; from++) {
                if (from == to) {
                    continue;
                }
                Recorder recorder = recorders[to];
                int source = from;
                await(frames + " frames from rank " + from + " at rank " + to, 20_000,
                    () -> recorder.count(source) == frames);
                int expected = 0;
                for (byte[] frame : recorder.frames.get(from)) {
                    assertEquals(expected, sequenceOf(frame), "frame order from rank " + from + " to rank " + to);
                    assertEquals(8 + expected % 300, frame.length);
                    expected++;
                }
            }
        }
    }

    @Test
    void shouldDeliverLargeFramesIntact() throws Exception {
        Transport[] transports = create(2);
        Recorder[] recorders = startAll(transports);
        byte[] large = new byte[8 << 20];
        new Random(42).nextBytes(large);
        byte[] odd = new byte[(3 << 20) + 7];
        new Random(7).nextBytes(odd);
        transports[0].send(1, ByteBuffer.wrap(large));
        transports[0].send(1, ByteBuffer.wrap(odd, 5, odd.length - 5));
        transports[1].send(0, ByteBuffer.wrap(large));
        await("two large frames at rank 1", 30_000, () -> recorders[1].count(0) == 2);
        await("a large frame at rank 0", 30_000, () -> recorders[0].count(1) == 1);
        byte[][] received = recorders[1].frames.get(0).toArray(new byte[0][]);
        assertArrayEquals(large, received[0]);
        assertArrayEquals(java.util.Arrays.copyOfRange(odd, 5, odd.length), received[1]);
        assertArrayEquals(large, recorders[0].frames.get(1).peek());
    }

    /**
     * A header and a payload, gathered from two buffers or written by the payload itself where the transport wants
     * it, arrive as one frame equal to their concatenation: empty, one byte, several MTUs, several of the largest
     * messages; to a peer and to the sender itself.
     */
    @Test
    void shouldDeliverHeaderAndPayloadAsOneFrameWhetherGatheredOrWritten() throws Exception {
        Transport[] transports = create(2);
        Recorder[] recorders = startAll(transports);
        byte[] header = new byte[60];
        new Random(11).nextBytes(header);
        int[] lengths = {0, 1, 65_471, 65_473, (5 << 20) + 3};
        List<byte[]> expected = new ArrayList<>();
        for (int length : lengths) {
            byte[] body = new byte[length];
            new Random(length).nextBytes(body);
            byte[] whole = java.util.Arrays.copyOf(header, header.length + length);
            System.arraycopy(body, 0, whole, header.length, length);
            expected.add(whole);
            expected.add(whole);
            transports[0].send(1, ByteBuffer.wrap(header), ByteBuffer.wrap(body));
            transports[0].send(1, ByteBuffer.wrap(header), new Transport.Payload() {
                @Override
                public int length() {
                    return length;
                }

                @Override
                public void writeTo(long from, ByteBuffer target) {
                    target.duplicate().put(body, (int) from, target.remaining());
                }
            });
        }
        transports[1].send(1, ByteBuffer.wrap(header), ByteBuffer.wrap(new byte[] {9}));
        await("every frame at rank 1", 30_000, () -> recorders[1].count(0) == expected.size());
        byte[][] received = recorders[1].frames.get(0).toArray(new byte[0][]);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), received[i], "frame " + i + " (" + (i % 2 == 0 ? "gathered" : "written")
                + ", payload of " + lengths[i / 2] + " bytes)");
        }
        await("the frame to itself", 20_000, () -> recorders[1].count(1) == 1);
        assertEquals(header.length + 1, recorders[1].frames.get(1).peek().length);
    }

    @Test
    void shouldSendReadOnlyDirectAndOffsetBuffers() throws Exception {
        Transport[] transports = create(2);
        Recorder[] recorders = startAll(transports);
        byte[] bytes = new byte[3_000_000];
        new Random(3).nextBytes(bytes);
        ByteBuffer direct = ByteBuffer.allocateDirect(bytes.length);
        direct.put(bytes).flip();
        ByteBuffer offset = ByteBuffer.wrap(bytes);
        offset.position(1_000).limit(2_000);
        transports[0].send(1, ByteBuffer.wrap(bytes).asReadOnlyBuffer());
        transports[0].send(1, direct);
        transports[0].send(1, offset);
        transports[0].send(1, ByteBuffer.allocate(0));
        await("four frames", 20_000, () -> recorders[1].count(0) == 4);
        byte[][] received = recorders[1].frames.get(0).toArray(new byte[0][]);
        assertArrayEquals(bytes, received[0]);
        assertArrayEquals(bytes, received[1]);
        assertArrayEquals(java.util.Arrays.copyOfRange(bytes, 1_000, 2_000), received[2]);
        assertEquals(0, received[3].length);
        assertEquals(0, direct.position(), "send moved the buffer's position");
    }

    /** Whether this transport offers frames to land as they arrive ({@link Transport.Receiver#onFrameStart}). */
    protected boolean landsFrames() {
        return false;
    }

    /** Takes every frame with an even sequence number as it arrives, piece by piece, when the transport offers it. */
    private static final class LandingRecorder implements Transport.Receiver {
        final Recorder recorder;
        final AtomicInteger landed = new AtomicInteger();
        final List<String> errors = new CopyOnWriteArrayList<>();

        LandingRecorder(int size) {
            recorder = new Recorder(size);
        }

        @Override
        public void onFrame(int fromRank, ByteBuffer frame) {
            recorder.onFrame(fromRank, frame);
        }

        @Override
        public void onPeerLost(int rank, String reason) {
            recorder.onPeerLost(rank, reason);
        }

        @Override
        public void onPeerClosed(int rank) {
            recorder.onPeerClosed(rank);
        }

        @Override
        public Transport.Landing onFrameStart(int fromRank, ByteBuffer start, int length) {
            return EvenFramesLanding.of(start, length, errors, bytes -> {
                landed.incrementAndGet();
                recorder.frames.get(fromRank).add(bytes);
                recorder.events.get(fromRank).add("frame");
            });
        }
    }

    /**
     * A receiver may take frames as they arrive: every frame still comes once, whole and in order with the frames
     * around it, whether it landed or came through onFrame; a transport that offers landings offers every frame that
     * goes to a peer, gathered or written, of one byte up to several of the largest messages.
     */
    @Test
    void shouldDeliverEveryFrameOnceWholeAndInOrderWhetherItLandsAsItArrivesOrNot() throws Exception {
        Transport[] transports = create(2);
        LandingRecorder[] receivers = {new LandingRecorder(2), new LandingRecorder(2)};
        startAll(transports, receivers);
        int[] lengths = {16, 5_000, 65_473, 300_001, (2 << 20) + 3};
        int frames = 30;
        List<byte[]> sent = new ArrayList<>();
        for (int i = 0; i < frames; i++) {
            byte[] frame = new byte[lengths[i % lengths.length]];
            new Random(i).nextBytes(frame);
            ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).putInt(0, i);
            sent.add(frame);
            if (i % 3 == 2) {
                transports[0].send(1, ByteBuffer.wrap(frame, 0, 8), new Transport.Payload() {
                    @Override
                    public int length() {
                        return frame.length - 8;
                    }

                    @Override
                    public void writeTo(long from, ByteBuffer target) {
                        target.duplicate().put(frame, 8 + (int) from, target.remaining());
                    }
                });
            } else {
                transports[0].send(1, ByteBuffer.wrap(frame));
            }
        }
        Recorder recorder = receivers[1].recorder;
        await(frames + " frames at rank 1", 30_000, () -> recorder.count(0) == frames);
        assertTrue(receivers[1].errors.isEmpty(), () -> "landing went wrong: " + receivers[1].errors);
        byte[][] received = recorder.frames.get(0).toArray(new byte[0][]);
        for (int i = 0; i < frames; i++) {
            assertArrayEquals(sent.get(i), received[i], "frame " + i);
        }
        assertEquals(landsFrames() ? frames / 2 : 0, receivers[1].landed.get(), "frames that landed as they came");
    }

    @Test
    void shouldDeliverManySmallFrames() throws Exception {
        Transport[] transports = create(2);
        Recorder[] recorders = startAll(transports);
        int frames = 50_000;
        for (int i = 0; i < frames; i++) {
            transports[0].send(1, numbered(i, 16));
        }
        await(frames + " small frames", 30_000, () -> recorders[1].count(0) == frames);
        int expected = 0;
        for (byte[] frame : recorders[1].frames.get(0)) {
            assertEquals(expected++, sequenceOf(frame));
        }
    }

    @Test
    void shouldDeliverAllToAllFromConcurrentSenders() throws Exception {
        Transport[] transports = create(4);
        Recorder[] recorders = startAll(transports);
        int frames = 300;
        List<Thread> senders = new ArrayList<>();
        List<Throwable> failures = new CopyOnWriteArrayList<>();
        for (Transport from : transports) {
            for (int to = 0; to < transports.length; to++) {
                int target = to;
                Thread sender = new Thread(() -> {
                    try {
                        for (int i = 0; i < frames; i++) {
                            from.send(target, numbered(i, 64 + (i % 5) * 100_000));
                        }
                    } catch (Throwable t) {
                        failures.add(t);
                    }
                }, "sender-" + from.rank() + "-" + to);
                senders.add(sender);
                sender.start();
            }
        }
        for (Thread sender : senders) {
            sender.join(30_000);
        }
        assertTrue(failures.isEmpty(), () -> "send failed: " + failures);
        for (Recorder recorder : recorders) {
            for (int from = 0; from < transports.length; from++) {
                int source = from;
                await("all-to-all frames", 30_000, () -> recorder.count(source) == frames);
                int expected = 0;
                for (byte[] frame : recorder.frames.get(from)) {
                    assertEquals(expected, sequenceOf(frame));
                    assertEquals(64 + (expected % 5) * 100_000, frame.length);
                    expected++;
                }
            }
        }
    }

    @Test
    void shouldCloseIdempotentlyAndLeaveNothingBehind() throws Exception {
        Transport[] transports = create(3);
        Recorder[] recorders = startAll(transports);
        transports[1].send(2, numbered(1, 32));
        await("a frame", 10_000, () -> recorders[2].count(1) == 1);
        for (Transport transport : transports) {
            transport.close();
            transport.close();
        }
        await("no " + threadPrefix() + "* thread", 10_000, () -> Thread.getAllStackTraces().keySet().stream()
            .noneMatch(t -> t.getName().startsWith(threadPrefix()) && t.isAlive()));
        assertNoFilesLeft(transports);
        for (Recorder recorder : recorders) {
            assertTrue(recorder.lost.isEmpty(), () -> "a clean close was reported as a loss: " + recorder.lost);
        }
    }

    @Test
    void shouldReportAPeerThatClosedAfterItsFramesAndNotAsLost() throws Exception {
        Transport[] transports = create(2);
        Recorder[] recorders = startAll(transports);
        for (int i = 0; i < 3; i++) {
            transports[1].send(0, numbered(i, 16));
        }
        transports[1].close();
        await("rank 1's goodbye at rank 0", 10_000, () -> recorders[0].events.get(1).contains("closed"));
        assertEquals(List.of("frame", "frame", "frame", "closed"), recorders[0].events.get(1));
        assertTrue(recorders[0].lost.isEmpty(), () -> "a clean close was reported as a loss: " + recorders[0].lost);
    }

    @Test
    void shouldDeliverNothingMoreFromARefusedPeerButItsClose() throws Exception {
        Transport[] transports = create(3);
        CountDownLatch refusedSent = new CountDownLatch(1);
        // rank 0 refuses rank 1 while handling its first frame, once rank 1 has sent every frame of its flood: the
        // frames waiting behind it are never delivered, nor are those sent after the refusal; rank 2's all are
        Recorder refusing = new Recorder(3) {
            @Override
            public void onFrame(int fromRank, ByteBuffer frame) {
                super.onFrame(fromRank, frame);
                if (fromRank == 1 && count(1) == 1) {
                    try {
                        assertTrue(refusedSent.await(20, TimeUnit.SECONDS), "rank 1's flood was not sent");
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    transports[0].refuse(1);
                }
            }
        };
        Recorder[] recorders = startAll(transports, refusing);
        int frames = 200;
        for (int i = 0; i < frames; i++) {
            transports[1].send(0, numbered(i, 4096));
        }
        refusedSent.countDown();
        await("rank 1's first frame at rank 0", 20_000, () -> refusing.count(1) == 1);
        for (int i = 0; i < frames; i++) {
            transports[1].send(0, numbered(frames + i, 4096));
            transports[2].send(0, numbered(i, 64));
        }
        transports[1].close();
        await("rank 2's frames and rank 1's goodbye at rank 0", 20_000,
            () -> recorders[0].count(2) == frames && recorders[0].events.get(1).contains("closed"));
        assertEquals(List.of("frame", "closed"), recorders[0].events.get(1), "what rank 0 got from rank 1");
        assertEquals(0, sequenceOf(recorders[0].frames.get(1).peek()), "the frame rank 0 took before the refusal");
        int expected = 0;
        for (byte[] frame : recorders[0].frames.get(2)) {
            assertEquals(expected++, sequenceOf(frame), "frame order from rank 2");
        }
    }

    @Test
    void shouldRefuseSendAfterClose() throws Exception {
        Transport[] transports = create(2);
        startAll(transports);
        transports[0].close();
        TransportException thrown = assertThrows(TransportException.class,
            () -> transports[0].send(1, numbered(0, 8)));
        assertTrue(thrown.getMessage().contains("closed"), thrown.getMessage());
    }
}
