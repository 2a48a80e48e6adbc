package org.bind.mpi.mpj;

import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import mpi.Intracomm;
import mpi.MPI;
import mpi.Status;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.bind.transport.Transport;

/**
 * The receiving side of an {@link MpjTransport}: the loop of its thread {@code bind-mpj-<rank>}, which probes for a
 * message from any source, checks it (source, tag, length against {@link MpjTransportSettings#maxFrameBytes})
 * before any allocation, receives it and delivers it; and the delivery of frames, which frames a rank sends itself
 * also go through.
 *
 * <p>A frame is received into one reused MPJ message buffer ({@link PackedInbox}) and offered to the runtime to land
 * ({@link Transport.Receiver#onFrameStart}): a data chunk whose reader is known is then copied once, from MPJ's buffer
 * into the version's storage; anything else comes through {@link Transport.Receiver#onFrame} as a view of the same
 * buffer. MPJ keeps the order of messages per (source, tag), and a probe for any tag matches a source's oldest message
 * first, so frames arrive in send order per source. MPJ's blocking {@code Probe} spins on {@code Iprobe} without pause
 * (both devices), which would burn a core per rank while idle: this loop calls {@code Iprobe} itself and backs off
 * with Agrona's {@link BackoffIdleStrategy} (spin, yield, then parks doubling from 1 µs to {@value #MAX_IDLE_PARK_NS}
 * ns) while nothing arrives.
 *
 * <p>{@link #run}: the receiving thread, once. {@link #deliver}: that thread, or the sender thread of a rank's frames
 * to itself (never concurrently for one source).
 */
final class MpjReceiving implements Runnable {
    /** Longest park of the idle receiving thread: the added latency of the first frame after a quiet spell. */
    static final long MAX_IDLE_PARK_NS = 500_000;
    private static final int IDLE_SPINS = 50;
    private static final int IDLE_YIELDS = 50;
    private static final byte[] EMPTY = new byte[0];

    private final Intracomm world;
    private final int rank;
    private final int size;
    private final int maxFrameBytes;
    private final MpjPeers peers;
    private final MpjErrors errors;
    private final Transport.Receiver receiver;
    private final BooleanSupplier closing;
    private final BooleanSupplier stop;
    private final Consumer<String> fail;
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong framesLanded = new AtomicLong();

    /**
     * @param closing true once the transport closes: nothing more is delivered
     * @param stop    true once the transport stopped waiting for goodbyes: the loop then ends
     * @param fail    records a failure of MPJ (every peer is then lost); the loop ends after calling it
     */
    MpjReceiving(Intracomm world, int rank, int size, int maxFrameBytes, MpjPeers peers, MpjErrors errors,
                 Transport.Receiver receiver, BooleanSupplier closing, BooleanSupplier stop, Consumer<String> fail) {
        this.world = world;
        this.rank = rank;
        this.size = size;
        this.maxFrameBytes = maxFrameBytes;
        this.peers = peers;
        this.errors = errors;
        this.receiver = receiver;
        this.closing = closing;
        this.stop = stop;
        this.fail = fail;
    }

    @Override
    public void run() {
        PackedInbox inbox = new PackedInbox();
        try {
            receiveAll(inbox);
        } finally {
            inbox.free();
        }
    }

    private void receiveAll(PackedInbox inbox) {
        IdleStrategy idle = new BackoffIdleStrategy(IDLE_SPINS, IDLE_YIELDS, 1_000, MAX_IDLE_PARK_NS);
        int goodbyesMissing = size - 1;
        while (goodbyesMissing > 0 && !stop.getAsBoolean()) {
            int source = -1;
            int tag;
            int count;
            ByteBuffer frame = null;
            try {
                Status status = world.Iprobe(MPI.ANY_SOURCE, MPI.ANY_TAG);
                if (status == null) {
                    idle.idle();
                    continue;
                }
                idle.reset();
                source = status.source;
                tag = status.tag;
                count = status.Get_count(MPI.BYTE);
                String bad = check(source, tag, count);
                if (bad != null) {
                    fail.accept(bad);
                    return;
                }
                if (tag == MpjTransport.FRAME_TAG) {
                    frame = inbox.receive(world, source, tag, count);
                } else {
                    world.Recv(EMPTY, 0, 0, MPI.BYTE, source, tag);
                }
            } catch (Throwable t) {
                fail.accept("MPJ receive" + (source < 0 ? "" : " from rank " + source) + " failed: " + t);
                return;
            }
            peers.heard(source);
            if (tag == MpjTransport.GOODBYE_TAG) {
                if (peers.saidGoodbye(source)) {
                    goodbyesMissing--;
                    receiver.onPeerClosed(source); // after its frames: this loop delivered them
                }
            } else if (frame != null) {
                bytesReceived.addAndGet(count);
                deliver(source, frame);
            }
        }
    }

    /** Why a probed message is refused before it is received, or null. */
    private String check(int source, int tag, int count) {
        if (source < 0 || source >= size || source == rank) {
            return "unexpected MPJ message from rank " + source + " with tag " + tag;
        }
        if (tag == MpjTransport.FRAME_TAG) {
            if (count < 0 || count > maxFrameBytes) {
                return "rank " + source + " sent a frame of " + count + " bytes, over the cap of " + maxFrameBytes
                    + " bytes (" + MpjTransportSettings.MAX_FRAME_BYTES_PROP_NAME + ")";
            }
            return null;
        }
        if (tag != MpjTransport.GOODBYE_TAG && tag != MpjTransport.HEARTBEAT_TAG) {
            return "unexpected MPJ message from rank " + source + " with tag " + tag;
        }
        return count == 0 ? null
            : "rank " + source + " sent " + count + " bytes with tag " + tag + ", which carries none";
    }

    /**
     * Hands {@code frame} (a view, valid during the call) to the receiver unless closing, letting it land when the
     * receiver wants; a failing handler is counted and reported, never fatal.
     */
    void deliver(int source, ByteBuffer frame) {
        if (closing.getAsBoolean()) {
            return;
        }
        try {
            Transport.Landing landing = receiver.onFrameStart(source, frame.duplicate(), frame.remaining());
            if (landing == null) {
                receiver.onFrame(source, frame);
            } else {
                framesLanded.incrementAndGet();
                landing.put(frame.duplicate());
                landing.onLanded();
            }
        } catch (Throwable t) {
            errors.onError(MpjErrors.Kind.FRAME_HANDLER, "from rank " + source + ": " + t);
        }
    }

    /** Frame bytes received so far. */
    long bytesReceived() {
        return bytesReceived.get();
    }

    /** Frames that landed in the receiver's storage ({@link Transport.Landing}) rather than coming whole. */
    long framesLanded() {
        return framesLanded.get();
    }
}
