package org.bind.dag;

import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Bytes each peer has made this rank keep of data nobody here has asked for yet: versions of a later epoch, or of
 * this epoch before the program thread has recorded the read that wants them ({@link IncomingTransfer} with no
 * local reader). Each peer gets at most {@code maxBytesPerPeer} ({@code bind.max.unclaimed.bytes}); a frame that
 * would take a peer past it is refused before anything is allocated for it, and from then on everything that peer
 * sends is dropped and counted: the rank treats it as lost, naming it ({@link UnclaimedOverrunException}).
 *
 * <p>Charged when data of an unclaimed transfer is about to be kept, released when a reader claims it or the
 * transfer is dropped. Any thread (the transport's threads charge, the program thread claims).
 */
final class UnclaimedBudget {
    /** What an unclaimed transfer costs besides its bytes (the transfer, its key and map entry, its chunk table). */
    static final long TRANSFER_OVERHEAD_BYTES = 512;
    /**
     * What each chunk kept of an unclaimed transfer costs besides its bytes: its entry in the chunk table (an int in
     * an array that doubles) and, kept apart, its array's header and padding and its slot in the list of pieces. A
     * flood of one-byte chunks is charged what it makes the heap hold, not one byte each.
     */
    static final long CHUNK_OVERHEAD_BYTES = 48;

    private final long maxBytesPerPeer;
    private final AtomicLongArray held;
    private final AtomicIntegerArray refused;

    UnclaimedBudget(int size, long maxBytesPerPeer) {
        this.maxBytesPerPeer = maxBytesPerPeer;
        this.held = new AtomicLongArray(size);
        this.refused = new AtomicIntegerArray(size);
    }

    /**
     * Charges {@code bytes} more to {@code peer}; throws {@link UnclaimedOverrunException} (and refuses the peer
     * from then on) when that would pass the bound, charging nothing.
     */
    void charge(int peer, long bytes, String what) {
        long now = held.addAndGet(peer, bytes);
        if (now > maxBytesPerPeer) {
            held.addAndGet(peer, -bytes);
            refused.set(peer, 1);
            throw new UnclaimedOverrunException(peer, "rank " + peer + " sent more data that this rank has not asked"
                + " for (yet) than bind.max.unclaimed.bytes=" + maxBytesPerPeer + " allows per peer: " + (now - bytes)
                + " bytes held, " + bytes + " more for " + what + "; a peer running that far ahead, or one sending"
                + " what nobody reads, is refused (raise the bound with -Dbind.max.unclaimed.bytes=N on every rank if"
                + " the program needs it)");
        }
    }

    void release(int peer, long bytes) {
        held.addAndGet(peer, -bytes);
    }

    /** Whether {@code peer} went past the bound: everything it sends is dropped. */
    boolean refused(int peer) {
        return refused.get(peer) != 0;
    }

    /** Bytes {@code peer} makes this rank hold now. */
    long held(int peer) {
        return held.get(peer);
    }

    long maxBytesPerPeer() {
        return maxBytesPerPeer;
    }

    /** A peer went past its bound; the message names it, the bound and the property. */
    static final class UnclaimedOverrunException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        private final int peer;

        UnclaimedOverrunException(int peer, String message) {
            super(message);
            this.peer = peer;
        }

        int peer() {
            return peer;
        }
    }
}
