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
 * <p>Under its transfer's lock.
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

    private final IncomingTransfer.Host host;
    private final List<Child> children = new ArrayList<>(2);
    /** Chunks accounted for, and the end (exclusive, in the encoding) of each. */
    private int accounted;
    private int[] chunkEnds = new int[8];
    /** The version children hold (this rank's, also when no local reader attached). */
    private Version relayed;

    Relay(IncomingTransfer.Host host) {
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
     * Sends every child the accounted chunks it lacks of the version {@code first} announced: chunk {@code chunk}
     * from {@code inHand} when not null, the others from {@code stored} (a chunk not all decoded yet follows with the
     * next one).
     */
    void catchUp(Frames.Header first, int chunk, ByteBuffer inHand, Store stored) {
        for (Child child : children) {
            while (child.next < accounted) {
                int c = child.next;
                if (c == chunk && inHand != null) {
                    host.forward(child.rank, first, c, inHand);
                } else {
                    int from = c == 0 ? 0 : chunkEnds[c - 1];
                    Transport.Payload bytes = stored.chunk(c, from, chunkEnds[c] - from);
                    if (bytes == null) {
                        break;
                    }
                    host.forward(child.rank, first, c, bytes);
                }
                child.next++;
            }
        }
    }

    /** Tells every child that the version {@code header} names has no value. */
    void forwardLost(Frames.Header header, Failure failure) {
        for (Child child : children) {
            host.forwardLost(child.rank, header, failure);
        }
    }

    /** The children get nothing more from here: their holds end. */
    void release() {
        for (int i = 0; i < children.size(); i++) {
            host.releaseChild(relayed);
        }
        children.clear();
    }
}
