package org.bind.schedule;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ForkJoinTask;

/**
 * The program thread's hand-off to the workers: a bounded single-producer, multi-consumer ring of ready tasks
 * (the layout of JCTools' {@code SpmcArrayQueue}). The producer writes a slot and then moves {@code tail}; a
 * consumer reads the slot at {@code head} and claims it by moving {@code head} with a CAS. Unlike a linked
 * queue, an offer allocates nothing and contends with no other producer; it touches the consumers' line only when
 * its cached view of {@code head} says the ring may be full.
 *
 * <p>A slot is rewritten only a lap later, when {@code head} has passed it, so a consumer whose CAS succeeds has
 * read the task published for that index, never a later one. Slots keep their last task until overwritten (at
 * most the capacity of finished tasks stays reachable): clearing a slot after the CAS could erase the next lap's
 * task.
 *
 * <p>{@link #offer}: one producer thread only. {@link #poll}, {@link #isEmpty}: any thread.
 */
final class SubmissionRing {
    private static final VarHandle HEAD;
    private static final VarHandle TAIL;
    /** Over {@code Object[]}: a handle over {@code ForkJoinTask[]} checks each access's type (a Class.cast in profiles). */
    private static final VarHandle SLOTS = MethodHandles.arrayElementVarHandle(Object[].class);

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            HEAD = lookup.findVarHandle(SubmissionRing.class, "head", long.class);
            TAIL = lookup.findVarHandle(SubmissionRing.class, "tail", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final Object[] slots;
    private final int mask;
    /** Index of the next task to take; consumers claim it by CAS. */
    private volatile long head;
    /** Index of the next slot to fill; written by the producer only. */
    private volatile long tail;
    /** The producer's last reading of {@code head}: a lower bound of it. Producer only. */
    private long headSeen;

    /** @param capacity slots, a power of two */
    SubmissionRing(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("ring capacity " + capacity + " is not a power of two >= 2");
        }
        this.slots = new Object[capacity];
        this.mask = capacity - 1;
    }

    /** Appends {@code task}; false when the ring is full. Producer thread only. */
    boolean offer(ForkJoinTask<?> task) {
        long t = (long) TAIL.get(this); // own field: no other thread writes it
        if (t - headSeen >= slots.length) {
            headSeen = (long) HEAD.getAcquire(this); // a slot a consumer claimed may be reused
            if (t - headSeen >= slots.length) {
                return false;
            }
        }
        slots[(int) t & mask] = task; // plain: the volatile write of tail below publishes it with the task's fields
        // Volatile, not release: the caller next reads whether a drainer is idle, and a drainer about to exit
        // decrements that count and then reads tail (Dekker): one of the two must see the other's write.
        TAIL.setVolatile(this, t + 1);
        return true;
    }

    /** Takes the oldest task, or null when the ring is empty. Any thread. */
    ForkJoinTask<?> poll() {
        while (true) {
            long h = (long) HEAD.getVolatile(this);
            if (h >= (long) TAIL.getVolatile(this)) {
                return null;
            }
            ForkJoinTask<?> task = (ForkJoinTask<?>) SLOTS.getAcquire(slots, (int) h & mask); // published before tail
            if (HEAD.compareAndSet(this, h, h + 1)) {
                return task;
            }
        }
    }

    /** Whether no task is waiting (a snapshot). Any thread. */
    boolean isEmpty() {
        return (long) HEAD.getVolatile(this) >= (long) TAIL.getVolatile(this);
    }

    int capacity() {
        return slots.length;
    }
}
