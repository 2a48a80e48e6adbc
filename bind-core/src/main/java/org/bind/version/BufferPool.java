package org.bind.version;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A worker's cache of dead version buffers, by {@link BufferType#poolKey()}, so that a new version can reuse
 * the memory of one that just died while it is still in this core's cache (GRAMPS' buffer manager).
 * Bounded in bytes: a buffer that does not fit makes room by discarding ({@link BufferType#discard}) the buffers of
 * the size recycled or taken least recently (a program that moved on to other sizes leaves none of the old ones
 * behind to crowd out the new); one larger than the whole bound is discarded, as is everything held when the pool
 * is cleared.
 *
 * <p>A buffer enters a pool only when its version dies (its last hold released, {@link Version#releaseHold}), and
 * leaves it once, to one new version: a buffer handed out is never shared with a live version.
 *
 * <p>Owning worker thread only; the rank's {@link #shared shared} pool: any thread.
 */
public sealed class BufferPool permits BufferPool.Shared {
    /** Buffers by key, newest first; keys in order of last use (recycled or taken), least recent first. */
    private final LinkedHashMap<Object, ArrayDeque<Object>> free = new LinkedHashMap<>(16, 0.75f, true);
    /** A type of each key held, to discard its buffers (types with equal keys are interchangeable). */
    private final Map<Object, BufferType<Object>> types = new HashMap<>();
    /**
     * The most recently used key (the last in {@link #free}'s access order) and its buffers: a program that makes
     * versions of one size recycles and takes without hashing its key or reordering the map.
     */
    private Object lastKey;
    private ArrayDeque<Object> lastBuffers;
    private final long capacityBytes;
    private long heldBytes;
    private long reused;

    public BufferPool(long capacityBytes) {
        this.capacityBytes = capacityBytes;
    }

    /** Implemented by threads that own a pool. */
    public interface Owner {
        BufferPool bufferPool();
    }

    /**
     * The pool of a rank's threads that own none (its sending threads, the transport's delivering thread, the program
     * thread), which received versions land in ({@code Codec#rangeDecoder(int, java.util.function.Supplier)}) and
     * workers fall back on: any thread may recycle into it and take from it. Bounded by {@code capacityBytes}.
     */
    public static BufferPool shared(long capacityBytes) {
        return new Shared(capacityBytes);
    }

    /**
     * Buffers smaller than this do not enter the shared pool (discarded: allocating them anew costs less than the
     * pool's lock), and takes of types whose buffers are known to be smaller skip it without locking.
     */
    public static final long SHARED_MIN_BYTES = 64 * 1024;

    /** The calling thread's pool, or null when it has none. */
    public static BufferPool ofCurrentThread() {
        return Thread.currentThread() instanceof Owner owner ? owner.bufferPool() : null;
    }

    /** Keeps {@code buffer} for reuse, or discards it when it has no pool key or does not fit. */
    void recycle(BufferType<Object> type, Object buffer) {
        Object key = type.poolKey();
        long bytes = type.bytes(buffer);
        if (key == null || bytes > capacityBytes) {
            type.discard(buffer);
            return;
        }
        if (heldBytes + bytes > capacityBytes) {
            evictFor(bytes);
        }
        if (key.equals(lastKey)) {
            lastBuffers.push(buffer); // already the most recently used key: the map's order stays as it is
        } else {
            ArrayDeque<Object> buffers = free.computeIfAbsent(key, k -> new ArrayDeque<>());
            buffers.push(buffer);
            types.putIfAbsent(key, type);
            lastKey = key;
            lastBuffers = buffers;
        }
        heldBytes += bytes;
    }

    /** Discards the oldest buffers of the least recently used keys until {@code bytes} more fit. */
    private void evictFor(long bytes) {
        Iterator<Map.Entry<Object, ArrayDeque<Object>>> keys = free.entrySet().iterator();
        while (heldBytes + bytes > capacityBytes && keys.hasNext()) {
            Map.Entry<Object, ArrayDeque<Object>> entry = keys.next();
            BufferType<Object> type = types.get(entry.getKey());
            ArrayDeque<Object> buffers = entry.getValue();
            while (heldBytes + bytes > capacityBytes && !buffers.isEmpty()) {
                Object oldest = buffers.pollLast();
                heldBytes -= type.bytes(oldest);
                type.discard(oldest);
            }
            if (buffers.isEmpty()) {
                keys.remove();
                types.remove(entry.getKey());
                if (buffers == lastBuffers) {
                    lastKey = null;
                    lastBuffers = null;
                }
            }
        }
    }

    /** Whether a buffer of {@code bytes} bytes may enter this pool (it may still make room for itself). */
    boolean keeps(long bytes) {
        return bytes <= capacityBytes;
    }

    /** Bytes of the buffers held. */
    public long heldBytes() {
        return heldBytes;
    }

    /** A recycled buffer of this type with unspecified contents, or null. */
    public Object take(BufferType<Object> type) {
        Object key = type.poolKey();
        if (key == null) {
            return null;
        }
        ArrayDeque<Object> buffers;
        if (key.equals(lastKey)) {
            buffers = lastBuffers;
        } else {
            buffers = free.get(key); // moves the key to the end of the access order
            if (buffers != null) {
                lastKey = key;
                lastBuffers = buffers;
            }
        }
        Object buffer = buffers == null ? null : buffers.poll();
        if (buffer != null) {
            heldBytes -= type.bytes(buffer);
            reused++;
        }
        return buffer;
    }

    /** Buffers handed out again so far. */
    public long reused() {
        return reused;
    }

    /** Discards every buffer held. */
    public void clear() {
        for (var entry : free.entrySet()) {
            BufferType<Object> type = types.get(entry.getKey());
            for (Object buffer : entry.getValue()) {
                type.discard(buffer);
            }
        }
        free.clear();
        types.clear();
        lastKey = null;
        lastBuffers = null;
        heldBytes = 0;
    }

    /**
     * The shared pool: the same cache with every method under the pool's monitor, each a few map operations (the
     * transport's receiving thread takes from it too, so it is never held longer); buffers under
     * {@link #SHARED_MIN_BYTES} stay out. Cleared once, at the rank's close.
     */
    static final class Shared extends BufferPool {
        /** Cleared for good (the rank closed): a sending thread that ends late discards what it releases. */
        private boolean cleared;

        Shared(long capacityBytes) {
            super(capacityBytes);
        }

        @Override
        void recycle(BufferType<Object> type, Object buffer) {
            if (type.bytes(buffer) >= SHARED_MIN_BYTES) {
                synchronized (this) {
                    if (!cleared) {
                        super.recycle(type, buffer);
                        return;
                    }
                }
            }
            type.discard(buffer);
        }

        @Override
        boolean keeps(long bytes) {
            return bytes >= SHARED_MIN_BYTES && super.keeps(bytes);
        }

        @Override
        public Object take(BufferType<Object> type) {
            long bytes = type.reservedBytes();
            if (type.poolKey() == null || (bytes != 0 && bytes < SHARED_MIN_BYTES)) {
                return null; // never recycled, or never kept here: no lock taken
            }
            synchronized (this) {
                return super.take(type);
            }
        }

        @Override
        public synchronized long heldBytes() {
            return super.heldBytes();
        }

        @Override
        public synchronized long reused() {
            return super.reused();
        }

        /** Discards every buffer held, and from now on every buffer recycled. */
        @Override
        public synchronized void clear() {
            cleared = true;
            super.clear();
        }
    }
}
