package org.bind.dag;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntSupplier;

import org.bind.BindException;

/**
 * Whether the job can still complete, as this rank sees it: peers lost (the transport says so), peers that gave
 * up (their {@code ABORT}), peers that closed their transport before a sync this rank still waits for, and
 * divergence (receives still expected here while every peer has reached the sync without sending them). The one
 * check is {@link #check}; {@link #checkPeers} is its part about peers. The one lock is this object's monitor;
 * it is never held while calling out, so the program thread may check while holding {@link EpochSync}'s.
 *
 * <p>{@code on*}: the transport's thread. Checks: the program thread.
 */
final class JobHealth {
    static final String SAME_OPS = "(the ranks must submit the same ops: no rank-dependent branch around an @Op call)";

    private final int rank;
    private final EpochSync sync;
    private final IntSupplier pendingReceives;
    /** Why the job cannot complete: the first peer lost, given up or closed too early; null while it can. */
    private String lostPeer;
    /** Why each peer that sent an {@code ABORT} gave up; peers lost or closed without one map to null. */
    private final Map<Integer, String> gone = new HashMap<>();
    /** Peers that closed their transport (said goodbye). */
    private final boolean[] closed;

    JobHealth(int rank, int size, EpochSync sync, IntSupplier pendingReceives) {
        this.rank = rank;
        this.sync = sync;
        this.pendingReceives = pendingReceives;
        this.closed = new boolean[size];
    }

    void onPeerLost(int peer, String reason) {
        synchronized (this) {
            gone.putIfAbsent(peer, null);
            if (lostPeer == null) {
                lostPeer = "rank " + peer + " lost: " + reason;
            }
        }
        sync.wake();
    }

    void onAbort(int peer, String reason) {
        synchronized (this) {
            if (gone.get(peer) == null || reason.startsWith(LaunchedMain.MAIN_THREW)) {
                gone.put(peer, reason); // a launched main's last word says more than what came before it
            }
            if (lostPeer == null) {
                lostPeer = "rank " + peer + " gave up on the job: " + reason;
            }
        }
        sync.wake();
    }

    /**
     * {@code peer} closed its transport: nothing more comes from it. Returns whether that loses the job now (it
     * has not sent its {@code SYNC} of the epoch this rank syncs next); otherwise a later check finds out if
     * this rank goes on to wait for it.
     */
    boolean onPeerClosed(int peer) {
        boolean lost;
        synchronized (this) {
            closed[peer] = true;
            lost = closedTooEarly(sync.currentEpoch()) && lostPeer.startsWith("rank " + peer + " closed");
        }
        sync.wake();
        return lost;
    }

    /** Whether a peer was lost, gave up, or closed too early. Any thread. */
    synchronized boolean peerGone() {
        return lostPeer != null;
    }

    /** Whether each of {@code peers} has said its last word: an {@code ABORT}, or gone without one. */
    synchronized boolean lastWordsIn(List<Integer> peers) {
        for (int peer : peers) {
            if (!gone.containsKey(peer) && !closed[peer]) {
                return false;
            }
        }
        return true;
    }

    /** Why {@code peer} gave up ({@code ABORT}), or null. */
    synchronized String lastWord(int peer) {
        return gone.get(peer);
    }

    /**
     * The check: throws {@link BindException} when a peer is lost, gave up, or closed before the sync of
     * {@code epoch}; returns the divergence message when receives are still expected here but every peer has
     * reached the sync of {@code epoch} without sending them (this rank waits for {@code waitingFor}); else null.
     * Program thread.
     */
    String check(long epoch, String waitingFor) {
        checkPeers(epoch);
        if (pendingReceives.getAsInt() > 0 && sync.allPeersSynced(epoch)) {
            return "DAG divergence: rank " + rank + " waits for " + waitingFor + ", but every other rank reached"
                + " sync() without sending it " + SAME_OPS;
        }
        return null;
    }

    /**
     * The divergence message for ranks that wait for each other: every rank is idle in {@code sync()} and nothing
     * is in transit ({@link IdleReports}), while this rank waits for {@code waitingFor}. Any thread.
     */
    String waitingForEachOther(String waitingFor) {
        return "DAG divergence: rank " + rank + " waits for " + waitingFor + ", but every rank waits in sync() with"
            + " nothing to run and nothing in transit, so no rank can send it " + SAME_OPS;
    }

    /** The part of {@link #check} about peers: throws when one is lost, gave up, or closed before {@code epoch}'s sync. */
    void checkPeers(long epoch) {
        String lost;
        synchronized (this) {
            closedTooEarly(epoch);
            lost = lostPeer;
        }
        if (lost != null) {
            throw new BindException(lost);
        }
    }

    /** Records the first peer that closed before sending its {@code SYNC} of {@code epoch} as lost. Holding the monitor. */
    private boolean closedTooEarly(long epoch) {
        if (lostPeer != null) {
            return true;
        }
        for (int peer = 0; peer < closed.length; peer++) {
            if (closed[peer] && sync.lastSynced(peer) < epoch) {
                gone.putIfAbsent(peer, null);
                lostPeer = "rank " + peer + " closed its transport (ended) before the sync of epoch " + epoch
                    + ", while rank " + rank + " still waits for its data or its SYNC";
                return true;
            }
        }
        return false;
    }
}
