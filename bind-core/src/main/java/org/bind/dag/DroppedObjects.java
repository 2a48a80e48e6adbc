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
    private static final long MAX_COLLECTION_GAP_NS = 5_000_000_000L;

    private final ReferenceQueue<Tracked> unreachable = new ReferenceQueue<>();
    private final Set<ObjectRef> tracked = new HashSet<>();
    private final MemoryAccount account;
    private final Window window;
    private long lastCollectionNs = System.nanoTime() - 1_000_000_000L;
    /** The shortest time between two collections {@link #relieve} asks for. */
    private long collectionGapNs = MIN_COLLECTION_GAP_NS;

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
        }
    }

    /**
     * Over the byte budget: releases the versions of objects the program dropped. Their buffers stay reachable
     * from this runtime until it learns (through a phantom reference) that the object is gone, which takes a
     * garbage collection; so when dropping them is not enough, this asks for one, at most every 200 ms. A
     * collection that released nothing doubles the gap before the next (up to 5 s): the bytes are then held by
     * live objects or ops in flight, and collecting again would only cost time.
     */
    void relieve() {
        release();
        long now = System.nanoTime();
        if (window.liveBytes() > window.maxBytes() && now - lastCollectionNs > collectionGapNs) {
            lastCollectionNs = now;
            long before = window.liveBytes();
            System.gc();
            release();
            collectionGapNs = window.liveBytes() < before ? MIN_COLLECTION_GAP_NS
                : Math.min(2 * collectionGapNs, MAX_COLLECTION_GAP_NS);
        }
    }

    /** Stops watching (the engine is closed): the latest versions are released, so their buffers are discarded. */
    void clear() {
        for (ObjectRef ref : tracked) {
            ref.chain.release(account);
        }
        tracked.clear();
    }
}
