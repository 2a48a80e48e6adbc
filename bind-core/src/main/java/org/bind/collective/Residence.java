package org.bind.collective;

import java.util.Arrays;

/**
 * Which ranks hold one version, and this epoch's participant list for it.
 *
 * <p><b>Partial collectives.</b> All ranks that need a version they do not hold within one epoch form the
 * list {@code [owner, requesters in program order]}; the rank at position {@code i} receives from the rank at
 * position {@code (i - 1) / 2}. Appending a requester never changes an earlier parent, so every rank builds
 * the same tree incrementally, in program order, without negotiation: the owner sends at most twice and each
 * requester receives exactly once. A rank that has received a version keeps holding it in later epochs and is
 * not sent it again.
 *
 * <p>Program thread only (bookkeeping is replayed identically on every rank).
 */
public final class Residence {
    /** The owner of versions every rank holds (first versions, common ops, values set by the program). */
    public static final int ALL = -1;

    private final int owner;
    private final long[] holders;
    private long participantsEpoch = -1;
    private int[] participants;
    private int participantCount;

    private Residence(int owner, int size) {
        this.owner = owner;
        this.holders = new long[(size + 63) >>> 6];
        if (owner == ALL) {
            Arrays.fill(holders, -1L);
        } else {
            holders[owner >>> 6] |= 1L << owner;
        }
    }

    /** A version held by every rank. */
    public static Residence everywhere(int size) {
        return new Residence(ALL, size);
    }

    /** A version produced on {@code owner} only. */
    public static Residence on(int owner, int size) {
        return new Residence(owner, size);
    }

    /** The producing rank, or {@link #ALL}. */
    public int owner() {
        return owner;
    }

    public boolean heldBy(int rank) {
        return (holders[rank >>> 6] & (1L << rank)) != 0;
    }

    /**
     * Appends {@code requester} to this epoch's list (it must not hold the version) and records it as a holder.
     * Returns the rank it receives from.
     */
    public int addRequester(int requester, long epoch) {
        if (owner == ALL) {
            throw new IllegalStateException("a version every rank holds needs no transfer");
        }
        if (participantsEpoch != epoch) {
            participantsEpoch = epoch;
            participants = new int[4];
            participants[0] = owner;
            participantCount = 1;
        }
        if (participantCount == participants.length) {
            participants = Arrays.copyOf(participants, participantCount * 2);
        }
        int position = participantCount++;
        participants[position] = requester;
        holders[requester >>> 6] |= 1L << requester;
        return participants[parent(position)];
    }

    /** Position of the parent of list position {@code i > 0} in the binary tree. */
    public static int parent(int position) {
        return (position - 1) / 2;
    }
}
