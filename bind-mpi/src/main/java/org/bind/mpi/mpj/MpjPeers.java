package org.bind.mpi.mpj;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

import org.bind.transport.TransportException;

/**
 * What one rank knows of the others over MPJ: who said goodbye, who is lost and why, when each was last heard, and
 * the transport's first failure. Guarded by this object's monitor, which is notified on every change. Any thread.
 */
final class MpjPeers {
    private final int rank;
    private final boolean[] saidGoodbye;
    private final String[] lost;
    private final AtomicLongArray lastHeardNs;
    private volatile String failure;

    MpjPeers(int rank, int size) {
        this.rank = rank;
        this.saidGoodbye = new boolean[size];
        this.lost = new String[size];
        this.lastHeardNs = new AtomicLongArray(size);
        long now = System.nanoTime();
        for (int peer = 0; peer < size; peer++) {
            lastHeardNs.set(peer, now);
        }
    }

    int size() {
        return lost.length;
    }

    /** The transport's first failure, or null. */
    String failure() {
        return failure;
    }

    /** Throws when no frame can go to {@code toRank}: the transport failed, that rank is lost or said goodbye. */
    synchronized void checkSendable(int toRank) {
        if (failure != null) {
            throw new TransportException("MPJ transport of rank " + rank + " failed: " + failure);
        }
        if (lost[toRank] != null) {
            throw new TransportException("rank " + toRank + " lost: " + lost[toRank]);
        }
        if (saidGoodbye[toRank]) {
            throw new TransportException("rank " + toRank + " has closed its MPJ transport");
        }
    }

    synchronized boolean isLost(int peer) {
        return lost[peer] != null;
    }

    /** Neither lost nor gone: a peer still expected to talk. */
    synchronized boolean isLive(int peer) {
        return lost[peer] == null && !saidGoodbye[peer];
    }

    /** Counts every peer as heard now: silence is measured from the transport's start, not from its construction. */
    void heardAll() {
        long now = System.nanoTime();
        for (int peer = 0; peer < lastHeardNs.length(); peer++) {
            lastHeardNs.set(peer, now);
        }
    }

    void heard(int peer) {
        lastHeardNs.set(peer, System.nanoTime());
    }

    long silentNs(int peer, long nowNs) {
        return nowNs - lastHeardNs.get(peer);
    }

    /** Records {@code peer}'s goodbye; true the first time. */
    synchronized boolean saidGoodbye(int peer) {
        if (saidGoodbye[peer]) {
            return false;
        }
        saidGoodbye[peer] = true;
        notifyAll();
        return true;
    }

    /** Marks {@code peer} lost for {@code reason}; true the first time (not after a goodbye). */
    synchronized boolean lose(int peer, String reason) {
        if (lost[peer] != null || saidGoodbye[peer]) {
            return false;
        }
        lost[peer] = reason;
        notifyAll();
        return true;
    }

    /** Records the transport's first failure; true the first time. */
    synchronized boolean fail(String reason) {
        if (failure != null) {
            return false;
        }
        failure = reason;
        notifyAll();
        return true;
    }

    /** The ranks lost so far. */
    synchronized List<Integer> lostRanks() {
        List<Integer> gone = new ArrayList<>();
        for (int peer = 0; peer < lost.length; peer++) {
            if (lost[peer] != null) {
                gone.add(peer);
            }
        }
        return gone;
    }

    /** Waits until every other rank said goodbye or is lost; returns the ranks that did neither by the deadline. */
    synchronized List<Integer> awaitGoodbyes(long deadlineNs) {
        List<Integer> silent = new ArrayList<>();
        while (true) {
            silent.clear();
            for (int peer = 0; peer < lost.length; peer++) {
                if (peer != rank && !saidGoodbye[peer] && lost[peer] == null) {
                    silent.add(peer);
                }
            }
            long leftNs = deadlineNs - System.nanoTime();
            if (silent.isEmpty() || leftNs <= 0) {
                return silent;
            }
            try {
                TimeUnit.NANOSECONDS.timedWait(this, leftNs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return silent;
            }
        }
    }
}
