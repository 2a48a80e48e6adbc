package org.bind.mpi.mpj;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import mpi.Intracomm;
import mpi.MPI;
import mpi.Request;
import mpi.Status;
import org.agrona.concurrent.BackoffIdleStrategy;
import org.agrona.concurrent.IdleStrategy;
import org.bind.transport.Transport;

/**
 * The receiving side of an {@link MpjTransport}: the loop of its thread {@code bind-mpj-<rank>}, which probes for a
 * message from any source, checks it (source, tag, length against {@link MpjTransportSettings#maxFrameBytes})
 * before any allocation, posts its receive and delivers the messages in the order it posted them; and the delivery
 * of frames, which frames a rank sends itself also go through.
 *
 * <h2>Receives posted ahead</h2>
 * A probe sees a message as soon as its sender announced it; under niodev the bytes of a message over the eager
 * limit move only once a receive for it is posted. So the loop posts the receive of each announced message at once,
 * into its own buffer ({@link PackedInbox}), and keeps probing while earlier ones arrive and while it delivers the
 * oldest: the next frame moves while this one lands. The frames posted and not yet delivered hold at most
 * {@link MpjTransportSettings#receiveAheadBytes} (one frame at least) and {@value #MAX_POSTED} messages; a goodbye is
 * posted in line (an empty message), so that it is handled after its source's frames; heartbeats are received at once,
 * and probed for alone while no more frames may be posted, so that a source is heard while another's frames arrive.
 *
 * <p>A delivered frame is offered to the runtime to land ({@link Transport.Receiver#onFrameStart}): a data chunk
 * whose reader is known is then copied once, from MPJ's buffer into the version's storage; anything else comes through
 * {@link Transport.Receiver#onFrame} as a view of the same buffer. MPJ keeps the order of messages per (source, tag),
 * and a probe for any tag matches a source's oldest message first, so frames arrive in send order per source.
 * MPJ's blocking {@code Probe} spins on {@code Iprobe} without pause (both devices), which would burn a core per
 * rank while idle: this loop calls {@code Iprobe} itself and backs off with Agrona's {@link BackoffIdleStrategy}
 * (spin, yield, then parks doubling from 1 µs to {@value #MAX_IDLE_PARK_NS} ns, or {@value #MAX_BUSY_PARK_NS} ns
 * while receives are posted) while nothing arrives.
 *
 * <p>{@link #run}: the receiving thread, once. {@link #deliver}: that thread, or the sender thread of a rank's frames
 * to itself (never concurrently for one source).
 */
final class MpjReceiving implements Runnable {
    /** Longest park of the idle receiving thread: the added latency of the first frame after a quiet spell. */
    static final long MAX_IDLE_PARK_NS = 500_000;
    /** Longest park while receives are posted: how late a frame that arrived may be seen. */
    static final long MAX_BUSY_PARK_NS = 20_000;
    /** Most messages posted and not yet delivered. */
    static final int MAX_POSTED = 16;
    private static final int IDLE_SPINS = 50;
    private static final int IDLE_YIELDS = 50;
    private static final byte[] EMPTY = new byte[0];

    /** A message whose receive was posted, in posting order. */
    private record Posted(int source, int tag, PackedInbox.Posted frame, Request control) {
        boolean arrived() {
            return frame != null ? frame.arrived() : control.Test() != null;
        }
    }

    private final Intracomm world;
    private final int rank;
    private final int size;
    private final int maxFrameBytes;
    private final int aheadBytes;
    private final MpjPeers peers;
    private final MpjErrors errors;
    private final Transport.Receiver receiver;
    private final BooleanSupplier closing;
    private final BooleanSupplier stop;
    private final Consumer<String> fail;
    private final AtomicLong bytesReceived = new AtomicLong();
    private final AtomicLong framesLanded = new AtomicLong();
    private final ArrayDeque<Posted> posted = new ArrayDeque<>();
    private long postedBytes;
    private int goodbyesMissing;

    /**
     * @param aheadBytes frame bytes posted ahead of delivery (one frame at least)
     * @param closing    true once the transport closes: nothing more is delivered
     * @param stop       true once the transport stopped waiting for goodbyes: the loop then ends
     * @param fail       records a failure of MPJ (every peer is then lost); the loop ends after calling it
     */
    MpjReceiving(Intracomm world, int rank, int size, int maxFrameBytes, int aheadBytes, MpjPeers peers,
                 MpjErrors errors, Transport.Receiver receiver, BooleanSupplier closing, BooleanSupplier stop,
                 Consumer<String> fail) {
        this.world = world;
        this.rank = rank;
        this.size = size;
        this.maxFrameBytes = maxFrameBytes;
        this.aheadBytes = aheadBytes;
        this.peers = peers;
        this.errors = errors;
        this.receiver = receiver;
        this.closing = closing;
        this.stop = stop;
        this.fail = fail;
    }

    @Override
    public void run() {
        PackedInbox inbox = new PackedInbox(Math.max(aheadBytes, 1));
        try {
            receiveAll(inbox);
        } finally {
            inbox.free();
        }
    }

    private void receiveAll(PackedInbox inbox) {
        IdleStrategy idle = new BackoffIdleStrategy(IDLE_SPINS, IDLE_YIELDS, 1_000, MAX_IDLE_PARK_NS);
        IdleStrategy busy = new BackoffIdleStrategy(IDLE_SPINS, IDLE_YIELDS, 1_000, MAX_BUSY_PARK_NS);
        goodbyesMissing = size - 1;
        while (goodbyesMissing > 0 && !stop.getAsBoolean()) {
            int source = -1;
            boolean progressed = false;
            try {
                boolean room = posted.size() < MAX_POSTED && (posted.isEmpty() || postedBytes < aheadBytes);
                Status status = world.Iprobe(MPI.ANY_SOURCE, room ? MPI.ANY_TAG : MpjTransport.HEARTBEAT_TAG);
                if (status != null) {
                    source = status.source;
                    if (!post(inbox, source, status.tag, status.Get_count(MPI.BYTE))) {
                        return;
                    }
                    progressed = true;
                }
                Posted oldest = posted.peek();
                if (oldest != null && oldest.arrived()) {
                    posted.poll();
                    source = oldest.source();
                    progressed = true;
                    arrived(inbox, oldest);
                }
            } catch (Throwable t) {
                fail.accept("MPJ receive" + (source < 0 ? "" : " from rank " + source) + " failed: " + t);
                return;
            }
            if (progressed) {
                idle.reset();
                busy.reset();
            } else if (posted.isEmpty()) {
                idle.idle();
            } else {
                busy.idle();
            }
        }
    }

    /** Checks the message a probe announced and posts its receive; false when it is refused (MPJ then failed). */
    private boolean post(PackedInbox inbox, int source, int tag, int count) throws Exception {
        String bad = check(source, tag, count);
        if (bad != null) {
            fail.accept(bad);
            return false;
        }
        peers.heard(source);
        if (tag == MpjTransport.FRAME_TAG) {
            posted.add(new Posted(source, tag, inbox.post(world, source, tag, count), null));
            postedBytes += count;
        } else if (tag == MpjTransport.GOODBYE_TAG) {
            posted.add(new Posted(source, tag, null, world.Irecv(EMPTY, 0, 0, MPI.BYTE, source, tag)));
        } else {
            world.Recv(EMPTY, 0, 0, MPI.BYTE, source, tag); // a heartbeat, here already (empty): order does not matter
        }
        return true;
    }

    /** The oldest posted message arrived: delivers it (or handles its goodbye) and frees its buffer. */
    private void arrived(PackedInbox inbox, Posted message) throws Exception {
        peers.heard(message.source());
        if (message.frame() == null) {
            if (peers.saidGoodbye(message.source())) {
                goodbyesMissing--;
                receiver.onPeerClosed(message.source()); // after its frames: this loop delivered them
            }
            return;
        }
        postedBytes -= message.frame().count;
        try {
            ByteBuffer frame = inbox.frame(message.frame());
            bytesReceived.addAndGet(message.frame().count);
            deliver(message.source(), frame);
        } finally {
            inbox.recycle(message.frame());
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
