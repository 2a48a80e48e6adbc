package org.bind.version;

/**
 * Dead version buffers let go by a rank's threads that own no {@link BufferPool} (the threads that send versions to
 * other ranks, the transport's threads relaying them), kept for the workers to reuse: a worker whose own pool has
 * no buffer of a type takes one from here ({@link BufferPool#take}).
 *
 * <p>Why: a version sent to other ranks usually dies on the thread that sent its last chunk, not on a worker. Without
 * this, its buffer went to the garbage collector, and the next version of the same object (an update that copies a
 * version still being sent) was a fresh array: zeroed by the JVM and, on memory the heap had not touched yet or had
 * given back, faulted in page by page by the kernel, on top of the copy itself.
 *
 * <p>Bounded in bytes, and a buffer larger than the bound is never kept; what does not fit is
 * {@link BufferType#discard discarded}, as is everything held at {@link #clear} and recycled after it. Any thread (one lock; taken once per
 * dead or new version of a size that missed the worker's own pool, never per op).
 */
public final class SpareBuffers {
    private final BufferPool buffers;
    /** Buffers kept: a take finds none without the lock (a miss costs a volatile read). Written under the lock. */
    private volatile int kept;
    /** Cleared for good (the rank closed): what comes later is discarded. Under the lock. */
    private boolean closed;

    public SpareBuffers(long capacityBytes) {
        this.buffers = new BufferPool(capacityBytes, null);
    }

    /** Keeps {@code buffer} for a worker, or discards it when it has no pool key or does not fit. Any thread. */
    public synchronized void recycle(BufferType<Object> type, Object buffer) {
        if (closed) {
            type.discard(buffer);
        } else if (buffers.recycle(type, buffer)) {
            kept++;
        }
    }

    /** A kept buffer of this type with unspecified contents, or null. Any thread. */
    public Object take(BufferType<Object> type) {
        if (kept == 0) {
            return null;
        }
        synchronized (this) {
            Object buffer = buffers.take(type);
            if (buffer != null) {
                kept--;
            }
            return buffer;
        }
    }

    /** Buffers handed out again so far. Any thread. */
    public synchronized long reused() {
        return buffers.reused();
    }

    /** Discards every buffer kept, and every one recycled from now on (the rank is closing). Any thread. */
    public synchronized void clear() {
        closed = true;
        buffers.clear();
        kept = 0;
    }
}
