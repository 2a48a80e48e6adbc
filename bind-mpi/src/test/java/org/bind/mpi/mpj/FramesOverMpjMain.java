package org.bind.mpi.mpj;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.bind.mpi.EvenFramesLanding;
import org.bind.transport.Transport;
import org.bind.transport.TransportFactory;

/**
 * The transport contract of the MPJ data plane, run inside an MPJ job (its ranks cannot be made in one test JVM):
 * every rank joins ({@link MpjJoin}), sends every rank, itself included, the same sequence of frames, and checks
 * what it receives against the frames regenerated from (source, destination, sequence number): each frame once,
 * whole and in order per source, whether it was sent whole (heap, direct, read-only, offset buffers), gathered from a
 * header and a payload buffer, or written by a payload straight into MPJ's buffer; of 0 to several MiB, one byte
 * around the chunk size included. The receiver takes every frame with an even sequence number as it arrives
 * ({@link Transport.Receiver#onFrameStart}), as the runtime lands a chunk in place, and every one of those must land.
 * Prints {@code mpj-frames rank R ok frames=N landed=L} or throws (the job then fails).
 */
public final class FramesOverMpjMain {
    /** The runtime's default chunk size ({@code bind.chunk.bytes}). */
    private static final int CHUNK = 1 << 20;
    private static final int[] PAYLOADS = {0, 1, 4, 4095, 65_537, CHUNK - 1, CHUNK, CHUNK + 1, (5 << 20) + 3};
    private static final int HEADER_BYTES = 12;
    private static final long TIMEOUT_MS = 90_000;

    private FramesOverMpjMain() {
    }

    public static void main(String[] args) throws Exception {
        TransportFactory.Bootstrap joined = new MpjJoin().join(args, Map.of());
        MpjTransport transport = (MpjTransport) joined.transport();
        int rank = transport.rank();
        int size = transport.size();
        Landings landings = new Landings(size);
        transport.start(landings);
        int rounds = 3;
        int frames = rounds * PAYLOADS.length;
        for (int i = 0; i < frames; i++) {
            for (int to = 0; to < size; to++) {
                send(transport, to, i);
            }
        }
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(TIMEOUT_MS);
        for (int from = 0; from < size; from++) {
            while (landings.frames.get(from).size() < frames) {
                if (System.nanoTime() > deadlineNs || !landings.lost.isEmpty()) {
                    throw new AssertionError("rank " + rank + ": " + landings.frames.get(from).size() + " of " + frames
                        + " frames from rank " + from + " within " + TIMEOUT_MS + " ms; lost: " + landings.lost);
                }
                Thread.sleep(5);
            }
        }
        if (!landings.errors.isEmpty()) {
            throw new AssertionError("rank " + rank + ": landing went wrong: " + landings.errors);
        }
        for (int from = 0; from < size; from++) {
            byte[][] received = landings.frames.get(from).toArray(new byte[0][]);
            for (int i = 0; i < frames; i++) {
                byte[] expected = frame(from, rank, i);
                if (!Arrays.equals(expected, received[i])) {
                    throw new AssertionError("rank " + rank + ": frame " + i + " from rank " + from + " differs ("
                        + received[i].length + " bytes, expected " + expected.length + ")");
                }
            }
        }
        int expectedLandings = size * ((frames + 1) / 2);
        if (landings.landed.get() != expectedLandings || transport.framesLanded() != expectedLandings) {
            throw new AssertionError("rank " + rank + ": " + landings.landed.get() + " frames landed ("
                + transport.framesLanded() + " by the transport's count), expected " + expectedLandings);
        }
        transport.close();
        System.out.println("mpj-frames rank " + rank + " ok frames=" + size * frames + " landed="
            + landings.landed.get());
    }

    /** Frame {@code i} from this rank to {@code to}, sent one of three ways: over 3 rounds, every size every way. */
    private static void send(Transport transport, int to, int i) {
        byte[] frame = frame(transport.rank(), to, i);
        switch ((i + i / PAYLOADS.length) % 3) {
            case 0 -> transport.send(to, wrapped(frame, i / 3));
            case 1 -> transport.send(to, ByteBuffer.wrap(frame, 0, HEADER_BYTES),
                ByteBuffer.wrap(frame, HEADER_BYTES, frame.length - HEADER_BYTES));
            default -> transport.send(to, ByteBuffer.wrap(frame, 0, HEADER_BYTES), new Transport.Payload() {
                @Override
                public int length() {
                    return frame.length - HEADER_BYTES;
                }

                @Override
                public void writeTo(long from, ByteBuffer target) {
                    target.duplicate().put(frame, HEADER_BYTES + (int) from, target.remaining());
                }
            });
        }
    }

    /** {@code frame} in a heap, direct, read-only or offset buffer. */
    private static ByteBuffer wrapped(byte[] frame, int kind) {
        switch (kind % 4) {
            case 0:
                return ByteBuffer.wrap(frame);
            case 1:
                return ByteBuffer.allocateDirect(frame.length).put(frame).flip();
            case 2:
                return ByteBuffer.wrap(frame).asReadOnlyBuffer();
            default:
                byte[] padded = new byte[frame.length + 7];
                System.arraycopy(frame, 0, padded, 3, frame.length);
                return ByteBuffer.wrap(padded, 3, frame.length);
        }
    }

    /** The oracle: frame {@code i} from {@code from} to {@code to}, a header (sequence, source, length) and bytes. */
    static byte[] frame(int from, int to, int i) {
        int payload = PAYLOADS[i % PAYLOADS.length];
        byte[] frame = new byte[HEADER_BYTES + payload];
        ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).putInt(i).putInt(from).putInt(payload);
        SplittableRandom random = new SplittableRandom(((long) from << 40) ^ ((long) to << 20) ^ i);
        for (int b = HEADER_BYTES; b < frame.length; b++) {
            frame[b] = (byte) random.nextInt();
        }
        return frame;
    }

    /** Records every frame; takes those with an even sequence number as they arrive, piece by piece. */
    private static final class Landings implements Transport.Receiver {
        final List<ConcurrentLinkedQueue<byte[]>> frames = new ArrayList<>();
        final List<String> lost = new java.util.concurrent.CopyOnWriteArrayList<>();
        final List<String> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        final AtomicInteger landed = new AtomicInteger();

        Landings(int size) {
            for (int r = 0; r < size; r++) {
                frames.add(new ConcurrentLinkedQueue<>());
            }
        }

        @Override
        public void onFrame(int fromRank, ByteBuffer frame) {
            byte[] copy = new byte[frame.remaining()];
            frame.get(copy);
            if (ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).getInt(0) % 2 == 0) {
                errors.add("frame " + ByteBuffer.wrap(copy).order(ByteOrder.LITTLE_ENDIAN).getInt(0) + " from rank "
                    + fromRank + " came whole although its receiver would land it");
            }
            frames.get(fromRank).add(copy);
        }

        @Override
        public Transport.Landing onFrameStart(int fromRank, ByteBuffer start, int length) {
            return EvenFramesLanding.of(start, length, errors, bytes -> {
                landed.incrementAndGet();
                frames.get(fromRank).add(bytes);
            });
        }

        @Override
        public void onPeerLost(int rank, String reason) {
            lost.add(rank + ": " + reason);
        }

        @Override
        public void onPeerClosed(int rank) {
        }
    }
}
