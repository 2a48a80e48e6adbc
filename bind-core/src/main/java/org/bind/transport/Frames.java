package org.bind.transport;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The wire format of every frame, whatever the transport: a fixed little-endian header, then the payload.
 *
 * <pre>
 *  0 int   magic 0x424E4431 ("BND1")     28 long  object id
 *  4 short protocol version              36 long  version number
 *  6 byte  type                          44 int   chunk index
 *  7 byte  flags (0)                     48 int   chunk count
 *  8 long  job id                        52 int   total payload length (all chunks)
 * 16 long  epoch                         56 int   this frame's payload length
 * 24 int   source rank                   60       payload
 * </pre>
 *
 * {@link #parse} checks every field before anything is allocated from it: a frame that is short, of another
 * protocol or job, or whose lengths exceed the cap or disagree, is rejected with a reason.
 *
 * <p>Stateless; thread safe.
 */
public final class Frames {
    public static final int MAGIC = 0x424E4431;
    public static final short PROTOCOL_VERSION = 1;
    public static final int HEADER_BYTES = 60;

    /** A chunk of a version's encoded buffer. */
    public static final byte DATA = 1;
    /** A version that has no value because its producer failed; payload: a {@link Messages} failure. */
    public static final byte LOST = 2;
    /** Control: an op failed on the sender. */
    public static final byte FAILURE = 3;
    /** Control: the sender reached sync() for this epoch. */
    public static final byte SYNC = 4;
    /** Control: the sender's op log around a divergence. */
    public static final byte DETAIL = 5;
    /** Control: the sender gave up on the job (divergence seen while blocked, its program failed); payload: why. */
    public static final byte ABORT = 6;
    /**
     * Control: the sender waits in sync() with nothing to run; payload: a sequence number and its counts of
     * {@code DATA}/{@code LOST} frames sent to and received from each rank (see {@code org.bind.dag.IdleReports}).
     */
    public static final byte IDLE = 7;
    private static final byte MAX_TYPE = IDLE;

    private Frames() {
    }

    /** A parsed header; the payload is the frame's remaining bytes after {@link #HEADER_BYTES}. */
    public record Header(byte type, long jobId, long epoch, int sourceRank, long objectId, long versionNumber,
                         int chunk, int chunks, int totalLength, int payloadLength) {
    }

    /** Writes a header at the start of a new little-endian buffer with room for {@code payloadLength} more bytes. */
    public static ByteBuffer allocate(byte type, long jobId, long epoch, int sourceRank, long objectId,
                                      long versionNumber, int chunk, int chunks, int totalLength, int payloadLength) {
        ByteBuffer frame = ByteBuffer.allocate(HEADER_BYTES + payloadLength).order(ByteOrder.LITTLE_ENDIAN);
        frame.putInt(MAGIC).putShort(PROTOCOL_VERSION).put(type).put((byte) 0)
            .putLong(jobId).putLong(epoch).putInt(sourceRank).putLong(objectId).putLong(versionNumber)
            .putInt(chunk).putInt(chunks).putInt(totalLength).putInt(payloadLength);
        return frame;
    }

    /**
     * Just the header, for a payload sent separately ({@link Transport#send(int, ByteBuffer, ByteBuffer)}): a
     * little-endian buffer of {@link #HEADER_BYTES}, position 0.
     */
    public static ByteBuffer header(byte type, long jobId, long epoch, int sourceRank, long objectId,
                                    long versionNumber, int chunk, int chunks, int totalLength, int payloadLength) {
        ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(MAGIC).putShort(PROTOCOL_VERSION).put(type).put((byte) 0)
            .putLong(jobId).putLong(epoch).putInt(sourceRank).putLong(objectId).putLong(versionNumber)
            .putInt(chunk).putInt(chunks).putInt(totalLength).putInt(payloadLength);
        return header.flip();
    }

    /**
     * Parses and checks the header of the frame between {@code frame}'s position and limit.
     *
     * @param maxPayloadBytes the cap on one frame's payload and on a version's total length
     * @throws MalformedFrameException naming what is wrong
     */
    public static Header parse(ByteBuffer frame, long expectedJobId, int maxPayloadBytes) {
        return parse(frame, frame.remaining(), expectedJobId, maxPayloadBytes);
    }

    /**
     * Parses and checks the header at {@code start}'s position of a frame of {@code frameLength} bytes, of which
     * {@code start} may hold only the first (at least {@link #HEADER_BYTES}), as {@link #parse(ByteBuffer, long, int)}
     * checks a whole frame.
     *
     * @throws MalformedFrameException naming what is wrong
     */
    public static Header parse(ByteBuffer start, int frameLength, long expectedJobId, int maxPayloadBytes) {
        ByteBuffer in = start.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int available = frameLength;
        if (available < HEADER_BYTES || in.remaining() < HEADER_BYTES) {
            throw new MalformedFrameException("frame of " + Math.min(available, in.remaining())
                + " bytes is shorter than the " + HEADER_BYTES + "-byte header");
        }
        int base = in.position();
        int magic = in.getInt(base);
        if (magic != MAGIC) {
            throw new MalformedFrameException("bad magic 0x" + Integer.toHexString(magic));
        }
        short protocol = in.getShort(base + 4);
        if (protocol != PROTOCOL_VERSION) {
            throw new MalformedFrameException("protocol mismatch: frame has version " + protocol + ", this build speaks "
                + PROTOCOL_VERSION);
        }
        byte type = in.get(base + 6);
        if (type < DATA || type > MAX_TYPE) {
            throw new MalformedFrameException("unknown frame type " + type);
        }
        long jobId = in.getLong(base + 8);
        if (jobId != expectedJobId) {
            throw new MalformedFrameException("frame of job " + Long.toHexString(jobId) + ", expected job "
                + Long.toHexString(expectedJobId));
        }
        long epoch = in.getLong(base + 16);
        int sourceRank = in.getInt(base + 24);
        long objectId = in.getLong(base + 28);
        long versionNumber = in.getLong(base + 36);
        int chunk = in.getInt(base + 44);
        int chunks = in.getInt(base + 48);
        int total = in.getInt(base + 52);
        int payload = in.getInt(base + 56);
        if (epoch < 0 || objectId < -1 || versionNumber < 0) {
            throw new MalformedFrameException("negative epoch, object or version: " + epoch + ", " + objectId + ", "
                + versionNumber);
        }
        if (payload < 0 || payload > maxPayloadBytes || payload != available - HEADER_BYTES) {
            throw new MalformedFrameException("payload length " + payload + " does not match the frame ("
                + (available - HEADER_BYTES) + " bytes) or exceeds the cap of " + maxPayloadBytes);
        }
        if (chunks < 1 || chunk < 0 || chunk >= chunks || total < 0 || total > maxTotal(maxPayloadBytes, chunks)
            || payload > total || (total == 0 ? chunks != 1 : chunks > total)) {
            throw new MalformedFrameException("chunk " + chunk + " of " + chunks + " with total length " + total
                + " is inconsistent");
        }
        return new Header(type, jobId, epoch, sourceRank, objectId, versionNumber, chunk, chunks, total, payload);
    }

    private static long maxTotal(int maxPayloadBytes, int chunks) {
        return Math.min(Integer.MAX_VALUE - 64, (long) maxPayloadBytes * chunks);
    }

    /** The payload of a parsed frame, as a little-endian slice. */
    public static ByteBuffer payload(ByteBuffer frame) {
        ByteBuffer slice = frame.duplicate();
        slice.position(frame.position() + HEADER_BYTES);
        return slice.slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
