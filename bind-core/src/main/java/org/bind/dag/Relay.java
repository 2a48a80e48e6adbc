package org.bind.dag;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.bind.transport.Frames;
import org.bind.transport.Transport;
import org.bind.version.Failure;
import org.bind.version.Version;

/**
 * The chunks of an {@link IncomingTransfer} that this rank has accounted for (where each ends in the encoding), the
 * children it relays the version to, and how far each one got: a child gets chunk k as soon as this rank has
 * accounted for it, from the frame in hand or from the transfer's store, and every child holds on this rank's version
 * until it got everything or the transfer ends.
 *
 * <p>Chunks are taken under the transfer's lock and sent after it is released ({@link #catchUp}, {@link #send},
 * {@link #sent}), so that the next chunk can land meanwhile; the holds a release ends stay until the batches in
 * flight are out.
 *
 * <p>Under its transfer's lock, but {@link #send}, which runs under its relay lock only.
 */
final class Relay {
    private static final class Child {
        final int rank;
        /** The next chunk this child gets. */
        int next;

        Child(int rank) {
            this.rank = rank;
        }
    }

    /** The bytes of one accounted chunk, from the transfer's store; null while they are not all decoded. */
    @FunctionalInterface
    interface Store {
        Transport.Payload chunk(int chunk, int from, int length);
    }

    private final IncomingHost host;
    private final List<Child> children = new ArrayList<>(2);
    /** Chunks accounted for, and the end (exclusive, in the encoding) of each. */
    private int accounted;
    private int[] chunkEnds = new int[8];
    /** The version children hold (this rank's, also when no local reader attached). */
    private Version relayed;
    /** Batches taken by {@link #catchUp} and not {@link #sent} yet. */
    private int sending;
    /** Holds of released children, ended once no batch is being sent. */
    private int deferredHolds;

    Relay(IncomingHost host) {
        this.host = host;
    }

    /** {@code child} gets the version too, holding on {@code version} (this rank's). */
    void add(int child, Version version) {
        relayed = version;
        children.add(new Child(child));
    }

    /** The next chunk, of {@code length} bytes, is accounted for. */
    void account(int length) {
        if (accounted == chunkEnds.length) {
            chunkEnds = Arrays.copyOf(chunkEnds, chunkEnds.length * 2);
        }
        chunkEnds[accounted] = (accounted == 0 ? 0 : chunkEnds[accounted - 1]) + length;
        accounted++;
    }

    /** How many chunks are accounted for. */
    int accounted() {
        return accounted;
    }

    /** How many children. */
    int size() {
        return children.size();
    }

    /** The version the children hold, or null. */
    Version relayed() {
        return relayed;
    }

    /**
     * Takes, for every child, the accounted chunks it lacks of the version {@code first} announced: chunk
     * {@code chunk} from {@code inHand} when not null, the others from {@code stored} (a chunk not all decoded yet
     * follows with the next one). The caller sends them ({@link #send}) once the transfer's lock is released, then
     * calls {@link #sent}; until then the children's holds stay (a {@link #release} meanwhile is deferred).
     */
    List<Forward> catchUp(Frames.Header first, int chunk, ByteBuffer inHand, Store stored) {
        List<Forward> forwards = List.of();
        for (Child child : children) {
            while (child.next < accounted) {
                int c = child.next;
                Forward forward;
                if (c == chunk && inHand != null) {
                    forward = new Forward(child.rank, first, c, inHand, null);
                } else {
                    int from = c == 0 ? 0 : chunkEnds[c - 1];
                    Transport.Payload bytes = stored.chunk(c, from, chunkEnds[c] - from);
                    if (bytes == null) {
                        break;
                    }
                    forward = new Forward(child.rank, first, c, null, bytes);
                }
                if (forwards.isEmpty()) {
                    forwards = new ArrayList<>(children.size());
                }
                forwards.add(forward);
                child.next++;
            }
        }
        if (!forwards.isEmpty()) {
            sending++;
        }
        return forwards;
    }

    /**
     * Sends what {@link #catchUp} took, in its order. Under the transfer's relay lock (so batches go out in the order
     * they were taken) but not its lock: the chunk arriving meanwhile lands in place. Any exception propagates once
     * the batch is abandoned; the caller calls {@link #sent} in any case.
     */
    void send(List<Forward> forwards) {
        for (Forward f : forwards) {
            if (f.inHand != null) {
                host.forward(f.child, f.first, f.chunk, f.inHand);
            } else {
                host.forward(f.child, f.first, f.chunk, f.stored);
            }
        }
    }

    /** A batch of {@link #catchUp} went out (or failed): a release deferred meanwhile happens now. */
    void sent(List<Forward> forwards) {
        if (forwards.isEmpty()) {
            return;
        }
        sending--;
        if (sending == 0) {
            for (; deferredHolds > 0; deferredHolds--) {
                host.releaseChild(relayed);
            }
        }
    }

    /** Tells every child that the version {@code header} names has no value. */
    void forwardLost(Frames.Header header, Failure failure) {
        for (Child child : children) {
            host.forwardLost(child.rank, header, failure);
        }
    }

    /**
     * The children get nothing more from here: their holds end, once the batches being sent are out (they read the
     * held version).
     */
    void release() {
        if (sending > 0) {
            deferredHolds += children.size();
        } else {
            for (int i = 0; i < children.size(); i++) {
                host.releaseChild(relayed);
            }
        }
        children.clear();
    }

    /** One chunk to one child: from a frame in hand, or from the transfer's store. */
    record Forward(int child, Frames.Header first, int chunk, ByteBuffer inHand, Transport.Payload stored) {
    }
}
