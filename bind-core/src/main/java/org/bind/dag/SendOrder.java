package org.bind.dag;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * Versions of one object go to one child one after the other, in the order their sends were planned (program order,
 * hence version order): a send of a newer version waits, queued here, until the send of the older one ended (its
 * last chunk handed to the transport, or its {@code LOST} frame), and only then joins its child's pump
 * ({@link SendPumps}), where it goes round-robin with the versions of other objects.
 *
 * <p>Why: round-robin between versions of one object moves the same bytes no faster, but keeps them all in flight
 * at once. A rank that updates an object while it broadcasts it (update, read on the other ranks, update, ...) then
 * had every version of a run between syncs on its way to each child together: each receiver needed a buffer per
 * version at once, and its first chunks of version k+1 came long before version k was read and died, so no version
 * landed in a dead one's buffer (the rank's shared pool) and the kernel faulted every new array in page by page;
 * the sender's versions, sent together, also died together at the end, so its updates copied into fresh arrays too.
 * In version order a receiver holds the version being read and the one arriving, version k dies while k+1 arrives,
 * and k+2 lands in k's buffer.
 *
 * <p>Waiting cannot deadlock: the older version was planned first, so its producer depends on nothing the newer
 * send delivers (the program's order), and a send ends whether the version is produced, failed or the transport
 * closed.
 *
 * <p>Any thread.
 *
 * @param <S> the send (a {@link VersionSender} stream)
 */
final class SendOrder<S> {
    private record Key(int child, long objectId) {
    }

    /** For each (child, object) with a send under way: the sends planned after it, oldest first. */
    private final Map<Key, ArrayDeque<S>> waiting = new HashMap<>();

    /**
     * A send of a version of {@code objectId} to {@code child} is planned: true when it may start now (no send of
     * that object to that child is under way), false when it is queued behind the one under way and starts when the
     * sends before it ended ({@link #ended}).
     */
    synchronized boolean admit(int child, long objectId, S send) {
        Key key = new Key(child, objectId);
        ArrayDeque<S> queue = waiting.get(key);
        if (queue == null) {
            waiting.put(key, new ArrayDeque<>(2));
            return true;
        }
        queue.addLast(send);
        return false;
    }

    /**
     * The send under way of a version of {@code objectId} to {@code child} ended: the next one planned, which the
     * caller starts now, or null when none waits.
     */
    synchronized S ended(int child, long objectId) {
        Key key = new Key(child, objectId);
        ArrayDeque<S> queue = waiting.get(key);
        S next = queue == null ? null : queue.pollFirst();
        if (next == null) {
            waiting.remove(key);
        }
        return next;
    }

    /** How many (child, object) pairs have a send under way. */
    synchronized int underWay() {
        return waiting.size();
    }
}
