package org.bind.version;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * A worker's cache of dead version buffers, by {@link BufferType#poolKey()}, so that a new version can reuse
 * the memory of one that just died while it is still in this core's cache (GRAMPS' buffer manager).
 * Bounded in bytes; what does not fit is {@link BufferType#discard discarded}, as is everything held when the pool
 * is cleared. A pool that has no buffer of a type takes one from its rank's {@link SpareBuffers}, where the buffers of
 * versions that died on threads without a pool go.
 *
 * <p>Owning worker thread only.
 */
public final class BufferPool {
    private final Map<Object, ArrayDeque<Object>> free = new HashMap<>();
    /** A type of each key held, to discard its buffers (types with equal keys are interchangeable). */
    private final Map<Object, BufferType<Object>> types = new HashMap<>();
    private final long capacityBytes;
    /** Where buffers that died on threads without a pool wait for a worker; null: none. */
    private final SpareBuffers spares;
    private long heldBytes;
    private long reused;

    public BufferPool(long capacityBytes) {
        this(capacityBytes, null);
    }

    /** A pool that falls back on {@code spares} (or null) when it has no buffer of a type. */
    public BufferPool(long capacityBytes, SpareBuffers spares) {
        this.capacityBytes = capacityBytes;
        this.spares = spares;
    }

    /** Implemented by threads that own a pool. */
    public interface Owner {
        BufferPool bufferPool();
    }

    /** The calling thread's pool, or null when it has none. */
    public static BufferPool ofCurrentThread() {
        return Thread.currentThread() instanceof Owner owner ? owner.bufferPool() : null;
    }

    /** Keeps {@code buffer} for reuse, or discards it when it has no pool key or does not fit; whether it kept it. */
    boolean recycle(BufferType<Object> type, Object buffer) {
        Object key = type.poolKey();
        long bytes = type.bytes(buffer);
        if (key == null || heldBytes + bytes > capacityBytes) {
            type.discard(buffer);
            return false;
        }
        free.computeIfAbsent(key, k -> new ArrayDeque<>()).push(buffer);
        types.putIfAbsent(key, type);
        heldBytes += bytes;
        return true;
    }

    /** A recycled buffer of this type with unspecified contents (this pool's, else a spare one), or null. */
    public Object take(BufferType<Object> type) {
        Object key = type.poolKey();
        if (key == null) {
            return null;
        }
        ArrayDeque<Object> buffers = free.get(key);
        Object buffer = buffers == null ? null : buffers.poll();
        if (buffer != null) {
            heldBytes -= type.bytes(buffer);
            reused++;
        } else if (spares != null) {
            buffer = spares.take(type);
        }
        return buffer;
    }

    /** Buffers of this pool handed out again so far (spare ones not counted: {@link SpareBuffers#reused}). */
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
        heldBytes = 0;
    }
}
