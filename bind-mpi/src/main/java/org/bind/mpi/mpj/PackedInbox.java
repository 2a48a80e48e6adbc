package org.bind.mpi.mpj;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Iterator;

import mpi.Intracomm;
import mpi.MPI;
import mpjbuf.Buffer;
import mpjbuf.BufferFactory;
import mpjbuf.NIOBuffer;
import mpjbuf.RawBuffer;
import mpjbuf.Type;
import org.bind.transport.TransportException;

/**
 * Where the receiving thread of an {@link MpjTransport} receives frames: MPJ message buffers, each posted as a
 * receive ({@code irecv} of {@link MPI#PACKED}) as soon as a probe announced a frame, so that MPJ's device writes the
 * message straight into it and MPJ copies nothing more; several may be posted at once, the oldest being delivered
 * while the next ones arrive. A delivered frame is handed on as a view of its buffer, from which the runtime copies it
 * once, into the version's storage ({@link org.bind.transport.Transport.Landing}): a byte takes the copies MPJ's own
 * {@code Recv} into a {@code byte[]} takes (the socket into MPJ's buffer, the buffer into the array), and no other.
 *
 * <p>Buffers are reused: a free one large enough is taken, else a new one is made; buffers are kept for reuse while
 * together they hold no more than {@code keepBytes} (the largest one is always kept).
 *
 * <p>The receiving thread only.
 */
final class PackedInbox {
    /** A frame's receive, posted and not yet delivered. */
    static final class Posted {
        final int source;
        final int count;
        private final RawBuffer raw;
        private final int capacity;
        private final Buffer buffer;
        private final mpjdev.Request request;

        private Posted(int source, int count, RawBuffer raw, int capacity, Buffer buffer, mpjdev.Request request) {
            this.source = source;
            this.count = count;
            this.raw = raw;
            this.capacity = capacity;
            this.buffer = buffer;
            this.request = request;
        }

        /** True once the frame's bytes are all in its buffer. */
        boolean arrived() {
            return request.itest() != null;
        }
    }

    private record Free(RawBuffer raw, int capacity) {
    }

    private final long keepBytes;
    private final ArrayDeque<Free> free = new ArrayDeque<>();
    private long freeBytes;

    PackedInbox(long keepBytes) {
        this.keepBytes = keepBytes;
    }

    /**
     * Posts the receive of the frame of {@code count} bytes that a probe announced from {@code source} on {@code tag}
     * (MPJ's {@code Irecv} of a packed buffer, at the device's level: MPJ's own completion of a packed {@code Irecv}
     * clears the buffer before anyone reads it).
     */
    Posted post(Intracomm world, int source, int tag, int count) throws Exception {
        int needed = MPI.RECV_OVERHEAD + PackedFrame.SECTION_BYTES + count;
        Free taken = take(needed);
        RawBuffer raw = taken == null ? BufferFactory.create(needed) : taken.raw();
        int capacity = taken == null ? needed : taken.capacity();
        Buffer buffer = new Buffer(raw, MPI.RECV_OVERHEAD, capacity);
        mpjdev.Request request;
        try {
            request = world.mpjdevComm.irecv(buffer, source, tag, new mpjdev.Status(source, tag, -1), true);
        } catch (Exception | Error e) {
            recycle(raw, capacity);
            throw e;
        }
        return new Posted(source, count, raw, capacity, buffer, request);
    }

    /**
     * The bytes of {@code posted}, which {@link Posted#arrived}: a view valid until {@link #recycle(Posted)}.
     *
     * @throws TransportException when the message is not one byte section of the announced length
     */
    ByteBuffer frame(Posted posted) throws Exception {
        Buffer buffer = posted.buffer;
        buffer.commit();
        Type type = buffer.getSectionHeader();
        int elements = buffer.getSectionSize();
        if (type == null || type.getCode() != Type.BYTE.getCode() || elements != posted.count
            || buffer.getSize() != PackedFrame.SECTION_BYTES + posted.count) {
            throw new TransportException("rank " + posted.source + " sent an MPJ message of " + buffer.getSize()
                + " bytes holding " + elements + " elements of type " + type + " where a frame of " + posted.count
                + " bytes was announced");
        }
        ByteBuffer view = ((NIOBuffer) posted.raw).getBuffer().duplicate();
        int at = MPI.RECV_OVERHEAD + PackedFrame.SECTION_BYTES;
        view.limit(at + posted.count).position(at);
        return view.slice().asReadOnlyBuffer();
    }

    /** {@code posted} was delivered: its buffer may take another frame. */
    void recycle(Posted posted) {
        recycle(posted.raw, posted.capacity);
    }

    /** Returns every free buffer to MPJ's pool (buffers of receives still posted are left to MPJ). */
    void free() {
        for (Free buffer : free) {
            BufferFactory.destroy(buffer.raw()); // RawBuffer.free only clears it
        }
        free.clear();
        freeBytes = 0;
    }

    /** The smallest free buffer of at least {@code needed} bytes, taken off the free list; null when none is. */
    private Free take(int needed) {
        Free best = null;
        for (Free buffer : free) {
            if (buffer.capacity() >= needed && (best == null || buffer.capacity() < best.capacity())) {
                best = buffer;
            }
        }
        if (best != null) {
            free.remove(best);
            freeBytes -= best.capacity();
        }
        return best;
    }

    private void recycle(RawBuffer raw, int capacity) {
        free.add(new Free(raw, capacity));
        freeBytes += capacity;
        while (freeBytes > keepBytes && free.size() > 1) {
            Free smallest = null;
            for (Iterator<Free> it = free.iterator(); it.hasNext(); ) {
                Free buffer = it.next();
                if (smallest == null || buffer.capacity() < smallest.capacity()) {
                    smallest = buffer;
                }
            }
            free.remove(smallest);
            freeBytes -= smallest.capacity();
            BufferFactory.destroy(smallest.raw());
        }
    }
}
