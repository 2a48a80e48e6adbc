package org.bind.dag;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.bind.transport.Frames;
import org.bind.transport.MalformedFrameException;

/**
 * The rank each version this rank expects comes from, by the plan every rank replays: the requester's parent in the
 * version's tree. {@link Exchange} records it when it plans a receive and checks every frame against it, so data
 * for a planned version from any other rank never lands (whatever its header says).
 *
 * <p>{@link #expect}: program thread. {@link #check}, {@link #forget}: the transport's thread. {@link #senderOf}:
 * either.
 */
final class SenderPlan {
    private final int rank;
    private final Map<VersionKey, Integer> senders = new ConcurrentHashMap<>();

    private record VersionKey(long objectId, long number) {
        /** Mixed, as {@code Exchange}'s keys: the record's own hash makes every (id, id + 31k) pair collide. */
        @Override
        public int hashCode() {
            long h = (objectId * 0x9E3779B97F4A7C15L) ^ number;
            h ^= h >>> 32;
            h *= 0xD6E8FEB86659FD93L;
            return (int) (h ^ (h >>> 32));
        }
    }

    SenderPlan(int rank) {
        this.rank = rank;
    }

    /** Version {@code number} of object {@code objectId} comes to this rank from {@code sender}. */
    void expect(long objectId, long number, int sender) {
        senders.put(new VersionKey(objectId, number), sender);
    }

    /** The rank the plan names as the version's sender, or null when this rank expects no such version (yet). */
    Integer senderOf(long objectId, long number) {
        return senders.get(new VersionKey(objectId, number));
    }

    /**
     * Throws {@link MalformedFrameException} when the plan names another sender than {@code fromRank} (the transport's
     * word) for the version {@code header} carries; a version not planned (yet) passes.
     */
    void check(int fromRank, Frames.Header header) {
        Integer planned = senderOf(header.objectId(), header.versionNumber());
        if (planned != null && planned != fromRank) {
            throw new MalformedFrameException("version " + header.versionNumber() + " of object " + header.objectId()
                + " comes to rank " + rank + " from rank " + planned + " by the plan, not from rank " + fromRank
                + ": refused");
        }
    }

    /** The version has landed or failed here: nothing more is expected of it. */
    void forget(long objectId, long number) {
        senders.remove(new VersionKey(objectId, number));
    }
}
