package org.bind.mpi.mpj;

import java.nio.ByteBuffer;

import mpi.Intracomm;
import mpi.MPI;
import mpjbuf.Buffer;
import mpjbuf.BufferFactory;
import mpjbuf.NIOBuffer;
import mpjbuf.RawBuffer;
import mpjbuf.Type;
import org.bind.transport.TransportException;

/**
 * Where the receiving thread of an {@link MpjTransport} receives frames: one MPJ message buffer, reused, grown when a
 * larger frame comes (up to the checked cap), received into with {@link MPI#PACKED} so that MPJ's device writes the
 * message straight into it and MPJ copies nothing more. The frame is then handed on as a view of that buffer, from
 * which the runtime copies it once, into the version's storage ({@link org.bind.transport.Transport.Landing}): a byte
 * takes the copies MPJ's own {@code Recv} into a {@code byte[]} takes (the socket into MPJ's buffer, the buffer
 * into the array), and no other.
 *
 * <p>The receiving thread only.
 */
final class PackedInbox {
    private RawBuffer raw;
    private int capacity;

    /**
     * Receives the frame of {@code count} bytes that a probe found from {@code source} on {@code tag}; returns a view
     * of its bytes, valid until the next call.
     *
     * @throws TransportException when the message is not one byte section of {@code count} bytes
     */
    ByteBuffer receive(Intracomm world, int source, int tag, int count) throws Exception {
        int needed = MPI.RECV_OVERHEAD + PackedFrame.SECTION_BYTES + count;
        if (raw == null || capacity < needed) {
            free();
            capacity = Math.max(needed, Math.min(2 * capacity, Integer.MAX_VALUE - 8));
            raw = BufferFactory.create(capacity);
        }
        Buffer buffer = new Buffer(raw, MPI.RECV_OVERHEAD, capacity);
        world.Recv(buffer, 0, 1, MPI.PACKED, source, tag);
        Type type = buffer.getSectionHeader();
        int elements = buffer.getSectionSize();
        if (type == null || type.getCode() != Type.BYTE.getCode() || elements != count
            || buffer.getSize() != PackedFrame.SECTION_BYTES + count) {
            throw new TransportException("rank " + source + " sent an MPJ message of " + buffer.getSize()
                + " bytes holding " + elements + " elements of type " + type + " where a frame of " + count
                + " bytes was announced");
        }
        ByteBuffer view = ((NIOBuffer) raw).getBuffer().duplicate();
        int at = MPI.RECV_OVERHEAD + PackedFrame.SECTION_BYTES;
        view.limit(at + count).position(at);
        return view.slice().asReadOnlyBuffer();
    }

    /** Returns the buffer to MPJ's pool. */
    void free() {
        if (raw != null) {
            BufferFactory.destroy(raw); // RawBuffer.free only clears it
            raw = null;
        }
    }
}
