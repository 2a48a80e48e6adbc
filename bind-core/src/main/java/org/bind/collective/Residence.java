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
 * <p><b>Cost.</b> Every rank records every op, so a version is made here for each write on any rank: a residence
 * costs the same whatever the job's size while few ranks request the version (a short list of holders; one bit per
 * rank only past {@link #FEW_HOLDERS} of them), and the residence of versions every rank holds is one immutable
 * instance per job ({@link #everywhere}).
 *
 * <p>Program thread only (bookkeeping is replayed identically on every rank).
 */
public final class Residence {
    /** The owner of versions every rank holds (first versions, common ops, values set by the program). */
    public static final int ALL = -1;
    private static final int FEW_HOLDERS = 4;

    private final int owner;
    private final int size;
    /**
     * The ranks holding the version besides its owner: the first {@link #FEW_HOLDERS} in a list (what a halo
     * exchange needs), then one bit per rank of the job. Both null until the first requester.
     */
    private int[] fewHolders;
    private int fewCount;
    private long[] holderBits;
    private long participantsEpoch = -1;
    private int[] participants;
    private int participantCount;

    private Residence(int owner, int size) {
        this.owner = owner;
        this.size = size;
    }

    /**
     * A version held by every rank: immutable (nothing is ever requested of it), so one instance serves every such
     * version of a job of {@code size} ranks.
     */
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
        if (owner == ALL || rank == owner) {
            return true;
        }
        if (holderBits != null) {
            return (holderBits[rank >>> 6] & (1L << rank)) != 0;
        }
        for (int i = 0; i < fewCount; i++) {
            if (fewHolders[i] == rank) {
                return true;
            }
        }
        return false;
    }

    private void addHolder(int rank) {
        if (holderBits == null && fewCount < FEW_HOLDERS) {
            if (fewHolders == null) {
                fewHolders = new int[FEW_HOLDERS];
            }
            fewHolders[fewCount++] = rank;
            return;
        }
        if (holderBits == null) {
            holderBits = new long[(size + 63) >>> 6];
            for (int i = 0; i < fewCount; i++) {
                holderBits[fewHolders[i] >>> 6] |= 1L << fewHolders[i];
            }
        }
        holderBits[rank >>> 6] |= 1L << rank;
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
        addHolder(requester);
        return participants[parent(position)];
    }

    /** Position of the parent of list position {@code i > 0} in the binary tree. */
    public static int parent(int position) {
        return (position - 1) / 2;
    }
}
