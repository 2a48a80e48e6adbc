package org.bind.dag;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.HashSet;
import java.util.Set;

import org.bind.schedule.Window;
import org.bind.version.MemoryAccount;
import org.bind.version.Tracked;
import org.bind.version.VersionChain;

/**
 * The versioned objects of this rank, watched through phantom references: the latest version of an object the
 * program dropped is released, and when the window is over its byte budget, a garbage collection is asked for
 * to find such objects.
 *
 * <p>Program thread only.
 */
final class DroppedObjects {
    private static final long MIN_COLLECTION_GAP_NS = 200_000_000L;
    /** After a collection that released nothing, how many times the live bytes must grow to make another worth it. */
    private static final long GROWTH_FACTOR = 2;

    private final ReferenceQueue<Tracked> unreachable = new ReferenceQueue<>();
    private final Set<ObjectRef> tracked = new HashSet<>();
    private final MemoryAccount account;
    private final Window window;
    private long lastCollectionNs = System.nanoTime() - 1_000_000_000L;
    /** The live bytes when the last collection was asked for (-1: none yet). */
    private long liveAtCollection = -1;
    /** Objects released since the last collection: none means it found nothing (its references are queued by now). */
    private long releasedSinceCollection;
    /** Collections asked for (written by the program thread, read by any). */
    private volatile long collections;

    /** Keeps an object's chain reachable until the object is not, then releases its latest version. */
    private static final class ObjectRef extends PhantomReference<Tracked> {
        final VersionChain chain;

        ObjectRef(Tracked object, VersionChain chain, ReferenceQueue<Tracked> queue) {
            super(object, queue);
            this.chain = chain;
        }
    }

    DroppedObjects(MemoryAccount account, Window window) {
        this.account = account;
        this.window = window;
    }

    void watch(Tracked object, VersionChain chain) {
        tracked.add(new ObjectRef(object, chain, unreachable));
    }

    /** Releases the latest versions of the objects found unreachable since the last call. */
    void release() {
        Reference<? extends Tracked> ref;
        while ((ref = unreachable.poll()) != null) {
            ObjectRef objectRef = (ObjectRef) ref;
            tracked.remove(objectRef);
            objectRef.chain.release(account);
            releasedSinceCollection++;
        }
    }

    /**
     * Over the byte budget: releases the versions of objects the program dropped. Their buffers stay reachable
     * from this runtime until it learns (through a phantom reference) that the object is gone, which takes a
     * garbage collection; so when dropping them is not enough, this asks for one, at most every 200 ms. After a
     * collection that released nothing, the bytes are held by live objects or ops in flight, and collecting again
     * would only cost time (a full collection stops every thread of the program): the next one waits until the
     * live bytes have doubled, that is, until there are new objects to find. (Versions renamed by ops in flight make
     * the live bytes swing by a few buffers: a smaller step would be crossed by those swings, one collection each.)
     * So a program whose live objects alone outgrow the budget pays one collection, and memory held by objects it
     * drops after that stays within twice what was live then.
     */
    void relieve() {
        release();
        long live = window.liveBytes();
        if (live <= window.maxBytes() || System.nanoTime() - lastCollectionNs < MIN_COLLECTION_GAP_NS) {
            return;
        }
        boolean lastFoundNothing = liveAtCollection >= 0 && releasedSinceCollection == 0;
        if (lastFoundNothing && live < GROWTH_FACTOR * liveAtCollection) {
            return;
        }
        lastCollectionNs = System.nanoTime();
        liveAtCollection = live;
        releasedSinceCollection = 0;
        collections++; // single writer
        System.gc();
        release();
    }

    /** Garbage collections {@link #relieve} asked for. Any thread. */
    long collections() {
        return collections;
    }

    /** Stops watching (the engine is closed): the latest versions are released, so their buffers are discarded. */
    void clear() {
        for (ObjectRef ref : tracked) {
            ref.chain.release(account);
        }
        tracked.clear();
    }
}
