package org.bind.schedule;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ForkJoinTask;

/**
 * The program thread's hand-off to the workers: a bounded single-producer, multi-consumer ring of ready tasks in
 * which every slot publishes itself (the per-slot sequence of Vyukov's bounded queue, on JCTools'
 * {@code SpmcArrayQueue} layout). The producer writes the task into its slot, then the slot's index with a
 * release store; a consumer that reads the index it expects at {@code head} (an acquire) sees the task and claims
 * it by moving {@code head} with a CAS. There is no shared producer index: an offer is two plain stores on x86 (no
 * fence, no atomic, no line the consumers write), and a task is visible to a polling consumer as soon as those
 * stores leave the producer's store buffer, so nothing waits for a batch to fill.
 *
 * <p><b>Memory layout.</b> Three groups of fields, each on lines of its own: the arrays and mask (written once,
 * read by everyone), {@code head} (CAS by consumers, read by the producer only when its cached bound says the ring
 * may be full: {@link PaddedLong}), and the producer's own index and cached bound (a padded array written on
 * every offer, read by no other thread). Slots are consecutive, so consumers that lag the producer read whole lines
 * it has finished writing.
 *
 * <p>A slot is rewritten only a lap later, when {@code head} has passed it, so a consumer whose CAS succeeds has
 * read the task published for that index, never a later one (the producer saw {@code head} past the index before
 * it rewrote the slot, and {@code head} passes an index only by that consumer's CAS). An index from the previous
 * lap differs from the expected one by the capacity, so an unwritten slot never looks published. Slots keep their
 * last task until overwritten (at most the capacity of finished tasks stays reachable).
 *
 * <p>{@link #offer}: one producer thread only. {@link #poll}, {@link #isEmpty}: any thread.
 */
final class SubmissionRing {
    /** Over {@code int[]}: the index published with each slot (the low 32 bits of its position). */
    private static final VarHandle INDEXES = MethodHandles.arrayElementVarHandle(int[].class);
    /** Positions in {@link #own}: the producer's next position and its last reading of {@code head}. */
    private static final int TAIL = 15;
    private static final int HEAD_SEEN = 16;

    private final Object[] slots;
    private final int[] indexes;
    private final int mask;
    /** The position of the next task to take; consumers claim it by CAS. */
    private final PaddedLong head = new PaddedLong();
    /** The producer's state ({@link #TAIL}, {@link #HEAD_SEEN}) padded on both sides; producer only, plain. */
    private final long[] own = new long[32];

    /** @param capacity slots, a power of two */
    SubmissionRing(int capacity) {
        if (capacity < 2 || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException("ring capacity " + capacity + " is not a power of two >= 2");
        }
        this.slots = new Object[capacity];
        this.indexes = new int[capacity];
        this.mask = capacity - 1;
        for (int i = 0; i < capacity; i++) {
            indexes[i] = i - capacity; // the previous lap's index: not published
        }
    }

    /** Appends {@code task}; false when the ring is full. Producer thread only. */
    boolean offer(ForkJoinTask<?> task) {
        long[] state = own;
        long t = state[TAIL];
        if (t - state[HEAD_SEEN] >= slots.length) {
            state[HEAD_SEEN] = head.getVolatile(); // a slot a consumer claimed may be reused
            if (t - state[HEAD_SEEN] >= slots.length) {
                return false;
            }
        }
        int slot = (int) t & mask;
        slots[slot] = task; // plain: the release store of the index below publishes it with the task's fields
        INDEXES.setRelease(indexes, slot, (int) t);
        state[TAIL] = t + 1;
        return true;
    }

    /** Takes the oldest task, or null when the ring is empty. Any thread. */
    ForkJoinTask<?> poll() {
        return poll(0);
    }

    /**
     * Takes the oldest task if {@code lead} more tasks were published after it, else null: a consumer that stays
     * that far behind the producer reads slots and op nodes the producer has finished writing, instead of pulling
     * each line away from it while it writes the next task there. Any thread.
     */
    ForkJoinTask<?> poll(int lead) {
        while (true) {
            long h = head.getVolatile();
            int slot = (int) h & mask;
            if ((int) INDEXES.getAcquire(indexes, slot) != (int) h) {
                return null; // not published yet (the slot still holds the previous lap)
            }
            long ahead = h + lead;
            if (lead > 0 && (int) INDEXES.getAcquire(indexes, (int) ahead & mask) != (int) ahead) {
                return null; // published, but the producer is still writing right behind it
            }
            Object task = slots[slot]; // plain: ordered after the acquire of its index
            if (head.compareAndSet(h, h + 1)) {
                return (ForkJoinTask<?>) task;
            }
        }
    }

    /** Whether no task is waiting (a snapshot). Any thread. */
    boolean isEmpty() {
        long h = head.getVolatile();
        return (int) INDEXES.getAcquire(indexes, (int) h & mask) != (int) h;
    }

    int capacity() {
        return slots.length;
    }
}
