package org.bind.dag;

/**
 * The bytes one {@link IncomingTransfer} that no reader here has claimed yet makes its source hold, charged to and
 * released from its rank's {@link UnclaimedBudget} through the transfer's host: charged before anything is allocated
 * for them, released once, when a reader claims the transfer or its bytes are dropped.
 *
 * <p>Under its transfer's lock.
 */
final class UnclaimedHold {
    private final IncomingHost host;
    private final int source;
    private final String what;
    private long bytes;

    UnclaimedHold(IncomingHost host, int source, String what) {
        this.host = host;
        this.source = source;
        this.what = what;
    }

    /**
     * {@code more} bytes are about to be kept.
     *
     * @throws UnclaimedBudget.UnclaimedOverrunException when the source would go past its bound (nothing charged)
     */
    void charge(long more) {
        if (more > 0) {
            host.holdUnclaimed(source, more, what);
            bytes += more;
        }
    }

    /** Everything charged leaves the bound (claimed by a reader, or dropped). */
    void release() {
        if (bytes > 0) {
            host.releaseUnclaimed(source, bytes);
            bytes = 0;
        }
    }
}
