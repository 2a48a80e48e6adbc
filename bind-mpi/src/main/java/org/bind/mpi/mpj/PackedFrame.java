package org.bind.mpi.mpj;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import mpi.MPI;
import mpjbuf.Buffer;
import mpjbuf.BufferFactory;
import mpjbuf.NIOBuffer;
import mpjbuf.RawBuffer;
import mpjbuf.Type;
import org.bind.transport.Transport;

/**
 * One runtime frame in an MPJ Express message buffer ({@link mpjbuf.Buffer}), sent with {@link MPI#PACKED} so that
 * MPJ sends the buffer as it is: the frame's bytes are written once, by the thread that calls
 * {@link Transport#send}, straight into the direct memory MPJ's device writes to its socket. That is the one copy
 * MPJ's own {@code Send} of a {@code byte[]} makes (into the same kind of buffer); an array version's payload goes
 * from the array into it ({@link Transport.Payload#writeTo}), with no staging array and no {@code byte[]} frame.
 *
 * <h2>Layout</h2>
 * MPJ's message buffer is a sequence of sections, each an 8-byte header (type code, then the element count at
 * offset 4, in the buffer's byte order) and its elements; a device reserves its own header before
 * {@link Buffer#offset()}. A frame is one {@link Type#BYTE} section holding the frame's bytes, exactly what
 * {@code Send(bytes, 0, n, MPI.BYTE, ...)} would produce: the receiver's probe reports {@code n} bytes, and MPJ's
 * other devices treat it like any byte message. The header is written by MPJ ({@link Buffer#putSectionHeader}); the
 * count is set after the bytes, as MPJ's {@link Buffer#commit} would set it had they come through
 * {@link Buffer#write(byte[], int, int)}.
 *
 * <p>{@link #release} returns the memory to MPJ's pool once the frame is sent or dropped. Not thread safe: one thread
 * writes a frame, then hands it over through a queue.
 */
final class PackedFrame implements MpjPeerSender.Body {
    /** MPJ's section header before the frame's bytes. */
    static final int SECTION_BYTES = Buffer.SECTION_OVERHEAD;

    private final Buffer buffer;
    private final int length;
    /** The memory went back to MPJ's pool. The thread that sends or drops the frame. */
    private boolean released;

    private PackedFrame(Buffer buffer, int length) {
        this.buffer = buffer;
        this.length = length;
    }

    /** The bytes between {@code frame}'s position and limit, which are left unchanged. */
    static PackedFrame of(ByteBuffer frame) {
        PackedFrame packed = allocate(frame.remaining());
        packed.target(0, frame.remaining()).put(frame.duplicate());
        return packed.seal();
    }

    /** {@code header}'s remaining bytes followed by {@code payload}'s; neither position changes. */
    static PackedFrame of(ByteBuffer header, ByteBuffer payload) {
        int headerBytes = header.remaining();
        PackedFrame packed = allocate(headerBytes + payload.remaining());
        packed.target(0, headerBytes).put(header.duplicate());
        packed.target(headerBytes, payload.remaining()).put(payload.duplicate());
        return packed.seal();
    }

    /** {@code header}'s remaining bytes followed by the bytes {@code payload} writes, straight into MPJ's buffer. */
    static PackedFrame of(ByteBuffer header, Transport.Payload payload) {
        int headerBytes = header.remaining();
        int payloadBytes = payload.length();
        PackedFrame packed = allocate(headerBytes + payloadBytes);
        packed.target(0, headerBytes).put(header.duplicate());
        if (payloadBytes > 0) {
            payload.writeTo(0, packed.target(headerBytes, payloadBytes).order(ByteOrder.LITTLE_ENDIAN));
        }
        return packed.seal();
    }

    /** A buffer with room for a frame of {@code length} bytes, its section header written. */
    private static PackedFrame allocate(int length) {
        int capacity = MPI.SEND_OVERHEAD + SECTION_BYTES + length;
        Buffer buffer = new Buffer(BufferFactory.create(capacity), MPI.SEND_OVERHEAD, capacity);
        try {
            buffer.putSectionHeader(Type.BYTE);
        } catch (mpjbuf.BufferException e) {
            BufferFactory.destroy(buffer.getStaticBuffer());
            throw new IllegalStateException("MPJ message buffer of " + capacity + " bytes refused a section header", e);
        }
        return new PackedFrame(buffer, length);
    }

    /**
     * A view of the frame's bytes {@code from} to {@code from + count} in MPJ's buffer: position 0, limit
     * {@code count}, big-endian (as any new view).
     */
    private ByteBuffer target(int from, int count) {
        ByteBuffer raw = ((NIOBuffer) buffer.getStaticBuffer()).getBuffer().duplicate();
        int at = buffer.offset() + SECTION_BYTES + from;
        raw.limit(at + count).position(at);
        return raw.slice();
    }

    /** Ends the section after the frame's bytes, as {@link Buffer#commit} does after writes. */
    private PackedFrame seal() {
        try {
            buffer.commit();
        } catch (mpjbuf.BufferException e) {
            BufferFactory.destroy(buffer.getStaticBuffer());
            throw new IllegalStateException("MPJ message buffer of a " + length + "-byte frame did not commit", e);
        }
        RawBuffer raw = buffer.getStaticBuffer();
        raw.putInt(length, buffer.offset() + 4); // the section's element count, where commit puts it
        buffer.setSize(SECTION_BYTES + length);
        return this;
    }

    /** The buffer to pass to {@code Send(buffer, 0, 1, MPI.PACKED, ...)}. */
    Buffer buffer() {
        return buffer;
    }

    /** The frame's bytes, read only (a frame a rank sends itself is delivered from here). */
    ByteBuffer frame() {
        return target(0, length).asReadOnlyBuffer();
    }

    @Override
    public int length() {
        return length;
    }

    /**
     * Returns the buffer's memory to MPJ's pool ({@link BufferFactory#destroy}: MPJ's {@code Send} of a packed buffer
     * frees the buffer but leaves its memory to the caller, unlike its {@code Send} of an array). Once sent or dropped;
     * idempotent.
     */
    @Override
    public void release() {
        if (!released) {
            released = true;
            buffer.free();
            BufferFactory.destroy(buffer.getStaticBuffer());
        }
    }
}
