package org.bind.cluster;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import org.bind.transport.Frames;
import org.bind.transport.Messages;

/**
 * The messages the frame fuzzer sends to a rank, each with what the rank must count for it: an Aeron message
 * (transport type byte first, see {@link RawPeer}) that the transport drops ({@code transportDrops}), or that
 * carries a runtime frame the runtime drops ({@code runtimeDrops}). Every message here is certain to be refused by
 * the layer named, whatever its random content (a random frame never starts with the magic; a mutated field never
 * takes its valid value), so the counts are exact.
 *
 * <p>Frames with a valid header use object ids that the job never uses, so they are malformed, never forged data.
 * The caps are the receiving rank's: {@code maxFrameBytes} (the transport's, {@code BIND_AERON_MAX_FRAME_BYTES}) and
 * {@code maxVersionBytes} ({@code bind.max.version.bytes}); the runtime's frame cap is 64 MiB.
 */
final class Garbage {
    /** One message and what the receiver counts for it. */
    record Message(String kind, byte[] bytes, int transportDrops, int runtimeDrops) {
    }

    static final long FAR_EPOCH = 1L << 40;
    static final long FAR_OBJECT = 1L << 40;

    private final long jobId;
    private final int fromRank;
    private final int maxFrameBytes;
    private final long maxVersionBytes;
    private final Random random;
    private long nextObject = FAR_OBJECT;

    Garbage(long jobId, int fromRank, int maxFrameBytes, long maxVersionBytes, Random random) {
        this.jobId = jobId;
        this.fromRank = fromRank;
        this.maxFrameBytes = maxFrameBytes;
        this.maxVersionBytes = maxVersionBytes;
        this.random = random;
    }

    // ---------------------------------------------------------------- building blocks

    private byte[] bytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private static byte[] typed(byte type, byte[] body) {
        byte[] message = new byte[1 + body.length];
        message[0] = type;
        System.arraycopy(body, 0, message, 1, body.length);
        return message;
    }

    private static byte[] first(int totalLength, byte[] piece) {
        ByteBuffer message = ByteBuffer.allocate(5 + piece.length).order(ByteOrder.LITTLE_ENDIAN);
        message.put(RawPeer.DATA_FIRST).putInt(totalLength).put(piece);
        return message.array();
    }

    private static ByteBuffer le(int capacity) {
        return ByteBuffer.allocate(capacity).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A runtime frame: header and payload, as the runtime writes them. */
    private ByteBuffer frame(byte type, long job, long epoch, long objectId, long version, int chunk, int chunks,
                             int total, byte[] payload) {
        ByteBuffer frame = Frames.allocate(type, job, epoch, fromRank, objectId, version, chunk, chunks, total,
            payload.length);
        frame.put(Frames.HEADER_BYTES, payload);
        frame.position(0);
        return frame;
    }

    private ByteBuffer control(byte type, long epoch, ByteBuffer payload) {
        byte[] bytes = new byte[payload.remaining()];
        payload.duplicate().get(bytes);
        return frame(type, jobId, epoch, -1, 0, 0, 1, bytes.length, bytes);
    }

    /** A DATA frame of one chunk for a version the job never uses: valid, until a field is spoiled. */
    private ByteBuffer validData(long epoch, int payloadLength) {
        return frame(Frames.DATA, jobId, epoch, nextObject++, 1, 0, 1, payloadLength, bytes(payloadLength));
    }

    private static byte[] array(ByteBuffer frame) {
        byte[] bytes = new byte[frame.remaining()];
        frame.duplicate().get(bytes);
        return bytes;
    }

    private static Message runtime(String kind, ByteBuffer frame) {
        return new Message(kind, typed(RawPeer.DATA, array(frame)), 0, 1);
    }

    private static Message transport(String kind, byte[] message) {
        return new Message(kind, message, 1, 0);
    }

    private static ByteBuffer spoil(ByteBuffer frame, java.util.function.Consumer<ByteBuffer> edit) {
        ByteBuffer copy = le(frame.remaining());
        copy.put(frame.duplicate());
        copy.position(0);
        edit.accept(copy);
        return copy;
    }

    // ---------------------------------------------------------------- batches

    /** Transport-level garbage on an authenticated session: unknown types, bad pieces, oversized lengths. */
    List<Message> transportBatch() {
        List<Message> batch = new ArrayList<>();
        for (byte type : new byte[] {0, 11, 127, -1}) {
            batch.add(transport("unknown type " + type, typed(type, bytes(20))));
        }
        batch.add(transport("DATA_FIRST without its length", new byte[] {RawPeer.DATA_FIRST, 1, 2}));
        batch.add(transport("DATA_FIRST claiming 2^31-1 bytes", first(Integer.MAX_VALUE, bytes(100))));
        batch.add(transport("DATA_FIRST claiming 48 MiB", first(48 << 20, bytes(100))));
        batch.add(transport("DATA_FIRST claiming the cap + 1", first(maxFrameBytes + 1, bytes(100))));
        batch.add(transport("DATA_FIRST claiming less than its piece", first(50, bytes(100))));
        batch.add(transport("DATA_FIRST claiming a negative length", first(-5, bytes(100))));
        batch.add(transport("DATA_MORE without DATA_FIRST", typed(RawPeer.DATA_MORE, bytes(100))));
        batch.add(new Message("DATA_FIRST then", first(1_000, bytes(100)), 0, 0));
        batch.add(transport("DATA_FIRST before the last one ended", first(1_000, bytes(100))));
        batch.add(transport("DATA_MORE after an abandoned frame", typed(RawPeer.DATA_MORE, bytes(100))));
        batch.add(new Message("DATA_FIRST then", first(300, bytes(100)), 0, 0));
        batch.add(transport("DATA_MORE overflowing the declared length", typed(RawPeer.DATA_MORE, bytes(250))));
        byte[] pieces = bytes(200);
        pieces[0] = (byte) ~(Frames.MAGIC & 0xFF);   // little-endian: the magic's first byte differs
        batch.add(new Message("DATA_FIRST of a frame in two pieces", first(200, java.util.Arrays.copyOf(pieces, 100)),
            0, 0));
        batch.add(new Message("DATA_MORE completing a frame the runtime refuses",
            typed(RawPeer.DATA_MORE, java.util.Arrays.copyOfRange(pieces, 100, 200)), 0, 1));
        byte[] whole = bytes(maxFrameBytes + 1_000);
        whole[0] = (byte) ~(Frames.MAGIC & 0xFF);
        batch.add(transport("a whole DATA message over the cap", typed(RawPeer.DATA, whole)));
        for (byte type : new byte[] {RawPeer.HELLO, RawPeer.AUTH, RawPeer.HEARTBEAT}) {
            batch.add(new Message("handshake type " + type + " after the handshake (ignored)", typed(type, bytes(30)),
                0, 0));
        }
        return batch;
    }

    /** Runtime frames whose header or payload the runtime refuses, one drop each (two for a pair of chunks). */
    List<Message> runtimeBatch(long staleEpoch) {
        List<Message> batch = new ArrayList<>();
        ByteBuffer valid = validData(FAR_EPOCH, 8);
        for (int length : new int[] {0, 1, 4, 30, Frames.HEADER_BYTES - 1}) {
            batch.add(runtime("frame truncated to " + length + " bytes", ByteBuffer.wrap(array(valid), 0, length).slice()));
        }
        for (int i = 0; i < 10; i++) {
            batch.add(runtime("random frame", randomFrame(Frames.HEADER_BYTES + random.nextInt(240))));
        }
        batch.add(runtime("bad magic", spoil(valid, f -> f.putInt(0, 0xCAFEBABE))));
        for (short protocol : new short[] {0, 2, -1}) {
            batch.add(runtime("protocol " + protocol, spoil(valid, f -> f.putShort(4, protocol))));
        }
        for (byte type : new byte[] {0, Frames.IDLE + 1, 127, -128}) { // IDLE is the last type
            batch.add(runtime("frame type " + type, spoil(valid, f -> f.put(6, type))));
        }
        batch.add(runtime("another job", spoil(valid, f -> f.putLong(8, jobId + 1))));
        batch.add(runtime("another job", spoil(valid, f -> f.putLong(8, ~jobId))));
        batch.add(runtime("negative epoch", spoil(valid, f -> f.putLong(16, -1))));
        batch.add(runtime("object id -2", spoil(valid, f -> f.putLong(28, -2))));
        batch.add(runtime("negative version", spoil(valid, f -> f.putLong(36, -1))));
        batch.add(runtime("chunk -1", spoil(valid, f -> f.putInt(44, -1))));
        batch.add(runtime("chunk == chunks", spoil(valid, f -> f.putInt(44, 1))));
        batch.add(runtime("no chunks", spoil(valid, f -> f.putInt(48, 0))));
        batch.add(runtime("negative total", spoil(valid, f -> f.putInt(52, -1))));
        batch.add(runtime("payload above total", spoil(valid, f -> f.putInt(52, 4))));
        batch.add(runtime("total 2^31-1", spoil(valid, f -> f.putInt(52, Integer.MAX_VALUE))));
        batch.add(runtime("payload length 2^30", spoil(valid, f -> f.putInt(56, 1 << 30))));
        batch.add(runtime("payload length 2^31-1", spoil(valid, f -> f.putInt(56, Integer.MAX_VALUE))));
        batch.add(runtime("payload length -1", spoil(valid, f -> f.putInt(56, -1))));
        batch.add(runtime("payload length one too many", spoil(valid, f -> f.putInt(56, 9))));
        batch.add(runtime("payload length one too few", spoil(valid, f -> f.putInt(56, 7))));
        batch.add(runtime("2^31-1 chunks of 100 bytes", frame(Frames.DATA, jobId, FAR_EPOCH, nextObject++, 1, 0,
            Integer.MAX_VALUE, 100, bytes(10))));
        batch.add(runtime("2^24 chunks of 1000 bytes", frame(Frames.DATA, jobId, FAR_EPOCH, nextObject++, 1, 0, 1 << 24,
            1_000, bytes(10))));
        for (byte type : new byte[] {Frames.FAILURE, Frames.LOST, Frames.SYNC, Frames.DETAIL, Frames.IDLE}) {
            for (int length : new int[] {0, 3, 11}) {
                batch.add(runtime("control type " + type + " with " + length + " random bytes",
                    control(type, FAR_EPOCH, ByteBuffer.wrap(bytes(length)))));
            }
        }
        batch.add(runtime("failure with a negative string length", control(Frames.FAILURE, FAR_EPOCH,
            le(12).putLong(0, 1).putInt(8, -5))));
        batch.add(runtime("failure with a 2^30-byte string", control(Frames.FAILURE, FAR_EPOCH,
            le(12).putLong(0, 1).putInt(8, 1 << 30))));
        batch.add(runtime("failure with a string past the end", control(Frames.FAILURE, FAR_EPOCH,
            le(12).putLong(0, 1).putInt(8, 1_000))));
        batch.add(runtime("sync with too many checkpoints", control(Frames.SYNC, FAR_EPOCH,
            le(24).putLong(0, 3).putLong(8, 4).putInt(16, 0).putInt(20, (1 << 22) + 1))));
        batch.add(runtime("sync with checkpoints past the end", control(Frames.SYNC, FAR_EPOCH,
            le(24).putLong(0, 3).putLong(8, 4).putInt(16, 0).putInt(20, 1_000))));
        batch.add(runtime("detail with 2 names for 1 op", control(Frames.DETAIL, FAR_EPOCH,
            le(24).putLong(0, 0).putInt(8, 1).putLong(12, 5).putInt(20, 2))));
        batch.add(runtime("detail with -1 names", control(Frames.DETAIL, FAR_EPOCH,
            le(16).putLong(0, 0).putInt(8, 0).putInt(12, -1))));
        batch.add(runtime("failure naming rank 99", control(Frames.FAILURE, FAR_EPOCH, Messages.encode(
            new Messages.Failure(0, "Nobody.nothing", 99, FAR_EPOCH, "java.lang.IllegalStateException", "no such rank")))));
        batch.add(runtime("a version of 16 MiB, above the version cap", frame(Frames.DATA, jobId, FAR_EPOCH,
            nextObject++, 1, 0, 16, 16 << 20, bytes(32))));
        batch.add(runtime("a version of 2^31-65 bytes in 2^20 chunks", frame(Frames.DATA, jobId, FAR_EPOCH,
            nextObject++, 1, 0, 1 << 20, Integer.MAX_VALUE - 64, bytes(32))));
        long bomb = nextObject++;
        batch.add(runtime("chunk 0 of 2 claiming 64 MiB - 1", frame(Frames.DATA, jobId, staleEpoch, bomb, 1, 0, 2,
            (64 << 20) - 1, bytes(8))));
        batch.add(runtime("chunk 1 of 2 claiming 64 MiB - 1", frame(Frames.DATA, jobId, staleEpoch, bomb, 1, 1, 2,
            (64 << 20) - 1, bytes(8))));
        long twice = nextObject++;
        // the first chunk is kept (its epoch is over: dropped as unclaimed at the next sync), the repeat refused
        batch.add(runtime("chunk 0 of 2, kept until sync", frame(Frames.DATA, jobId, staleEpoch, twice, 1, 0, 2, 16,
            bytes(8))));
        batch.add(runtime("chunk 0 of 2 again", frame(Frames.DATA, jobId, staleEpoch, twice, 1, 0, 2, 16, bytes(8))));
        return batch;
    }

    /** Versions of an epoch that is over, for objects nobody waits for: dropped as unclaimed at the next sync. */
    List<Message> staleDataBatch(long staleEpoch) {
        List<Message> batch = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            batch.add(runtime("stale version", validData(staleEpoch, 16 + i)));
        }
        for (int i = 0; i < 3; i++) {
            batch.add(runtime("stale lost version", lost(staleEpoch)));
        }
        return batch;
    }

    private ByteBuffer lost(long staleEpoch) {
        byte[] failure = array(Messages.encode(new Messages.Failure(0, "Nobody.nothing", fromRank, staleEpoch,
            "java.lang.IllegalStateException", "lost on purpose")));
        return frame(Frames.LOST, jobId, staleEpoch, nextObject++, 1, 0, 1, failure.length, failure);
    }

    /** Well-formed control frames of an epoch that is over: the requirement is that they are dropped and counted. */
    List<Message> staleControlBatch(long staleEpoch) {
        List<Message> batch = new ArrayList<>();
        batch.add(runtime("stale sync", control(Frames.SYNC, staleEpoch,
            Messages.encode(new Messages.Sync(3, 0x5EED, 0, new long[0])))));
        batch.add(runtime("stale failure", control(Frames.FAILURE, staleEpoch, Messages.encode(new Messages.Failure(0,
            "Nobody.nothing", fromRank, staleEpoch, "java.lang.IllegalStateException", "stale on purpose")))));
        batch.add(runtime("stale detail", control(Frames.DETAIL, staleEpoch,
            Messages.encode(new Messages.Detail(0, new long[] {1, 2}, new String[] {"Nobody.a", "Nobody.b"})))));
        return batch;
    }

    /** {@code count} random messages, each certain to be refused by the transport or by the runtime. */
    List<Message> randomBatch(int count) {
        List<Message> batch = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            batch.add(randomMessage());
        }
        return batch;
    }

    private Message randomMessage() {
        int piece = random.nextInt(101);
        switch (random.nextInt(13)) {
            case 0 -> {
                int type = 11 + random.nextInt(245);   // 11..255: no transport type
                return transport("random type", typed((byte) type, bytes(random.nextInt(101))));
            }
            case 1 -> {
                int total = maxFrameBytes + 1 + random.nextInt(Integer.MAX_VALUE - maxFrameBytes);
                return transport("random DATA_FIRST over the cap", first(total, bytes(piece)));
            }
            case 2 -> {
                int total = piece - random.nextInt(Integer.MAX_VALUE);   // at most the piece, maybe negative
                return transport("random DATA_FIRST not above its piece", first(total, bytes(piece)));
            }
            case 3 -> {
                return transport("random DATA_MORE", typed(RawPeer.DATA_MORE, bytes(piece)));
            }
            case 4 -> {
                return runtime("random frame", randomFrame(random.nextInt(300)));
            }
            case 5 -> {
                ByteBuffer valid = validData(random.nextLong() & (FAR_EPOCH - 1), 1 + random.nextInt(200));
                return runtime("truncated frame", ByteBuffer.wrap(array(valid), 0, random.nextInt(valid.remaining()))
                    .slice());
            }
            case 6 -> {
                ByteBuffer valid = validData(random.nextLong() & (FAR_EPOCH - 1), random.nextInt(200));
                int actual = valid.remaining() - Frames.HEADER_BYTES;
                int claimed = random.nextInt();
                return runtime("payload length " + claimed, spoil(valid, f -> f.putInt(56,
                    claimed == actual ? claimed + 1 : claimed)));
            }
            case 7 -> {
                ByteBuffer valid = validData(random.nextLong() & (FAR_EPOCH - 1), random.nextInt(200));
                long above = Math.max(maxVersionBytes, valid.remaining());
                int total = (int) (above + 1 + (long) (random.nextDouble() * (Integer.MAX_VALUE - above - 1)));
                return runtime("total length " + total, spoil(valid, f -> f.putInt(52, total)));
            }
            case 8 -> {
                int magic = random.nextInt();
                return runtime("magic", spoil(validData(0, piece),
                    f -> f.putInt(0, magic == Frames.MAGIC ? ~magic : magic)));
            }
            case 9 -> {
                short protocol = (short) random.nextInt();
                return runtime("protocol", spoil(validData(0, piece), f -> f.putShort(4,
                    protocol == Frames.PROTOCOL_VERSION ? (short) ~protocol : protocol)));
            }
            case 10 -> {
                byte type = (byte) (7 + random.nextInt(249));   // 7..255 as a byte: no frame type
                return runtime("frame type " + type, spoil(validData(0, piece), f -> f.put(6, type)));
            }
            case 11 -> {
                long job = random.nextLong();
                return runtime("job", spoil(validData(0, piece), f -> f.putLong(8, job == jobId ? ~job : job)));
            }
            default -> {
                int chunks = random.nextBoolean() ? -random.nextInt(Integer.MAX_VALUE) : 1 + random.nextInt(1000);
                int chunk = chunks < 1 ? 0
                    : random.nextBoolean() ? chunks + random.nextInt(1000) : -1 - random.nextInt(1000);
                return runtime("chunk " + chunk + " of " + chunks, spoil(validData(0, piece), f -> {
                    f.putInt(44, chunk);
                    f.putInt(48, chunks);
                }));
            }
        }
    }

    /** Random bytes that do not start with the magic. */
    private ByteBuffer randomFrame(int length) {
        byte[] bytes = bytes(length);
        if (length >= 4 && ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(0) == Frames.MAGIC) {
            bytes[0] ^= 1;
        }
        return ByteBuffer.wrap(bytes);
    }
}
