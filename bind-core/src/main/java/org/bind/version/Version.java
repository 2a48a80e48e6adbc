package org.bind.version;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.locks.LockSupport;

import org.bind.collective.Residence;

/**
 * One version of a versioned object. A version is produced once (by an op, or by the program for a first
 * version or {@code Shared.set}) and never changes after it is {@link #isDone() done}.
 *
 * <p><b>Holds.</b> A version's buffer is live while something holds it: being the object's latest version,
 * a pending producer, each reader op submitted against it (and, across ranks, each pending send). When the
 * last hold is released the buffer goes back to the releasing worker's {@link BufferPool}, or is
 * {@link BufferType#discard discarded} when the releasing thread has none; a version received from another rank
 * returns it to the rank's shared pool instead, where the next received version of its shape lands
 * ({@link #completeReceived}). A read-write op
 * that is the only holder of its input takes the buffer over instead of copying it ({@link #tryTakeOver}).
 *
 * <p><b>Threads.</b> Created and read for submission by the program thread; completed by one worker;
 * {@link #await}ed by the program thread. Waiter lists are lock free ({@link #addWaiter}).
 */
public final class Version {
    private static final int PENDING = 0;
    private static final int READY = 1;
    private static final int FAILED = 2;
    private static final VarHandle STATE;
    private static final VarHandle HOLDS;
    private static final VarHandle WAITERS;
    /** The waiter list of a done version: nothing more can register. */
    private static final Object DONE = new Object();

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            STATE = lookup.findVarHandle(Version.class, "state", int.class);
            HOLDS = lookup.findVarHandle(Version.class, "holds", int.class);
            WAITERS = lookup.findVarHandle(Version.class, "waiters", Object.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final VersionChain chain;
    /**
     * The chain's buffer type, kept here: the threads that complete, copy and free versions read it without touching
     * the chain, whose line the program thread writes at every new version.
     */
    private final BufferType<Object> type;
    private final long number;
    private Object buffer;
    /**
     * Where the buffer goes when the version dies, whatever thread releases the last hold (null: that thread's pool):
     * the rank's shared pool for a version received from another rank ({@link #completeReceived}).
     */
    private BufferPool home;
    private Failure failure;
    private volatile int state;
    private volatile int holds;
    /** Null, one {@link VersionWaiter}, a {@link Waiters} list, or {@link #DONE} once published. */
    private volatile Object waiters;
    private Residence residence;
    /** Checked mode: the op that made this version and a hash of what it left (published by completion). */
    private String producer;
    private long contentHash;

    Version(VersionChain chain, long number, int holds, boolean done, Object buffer) {
        this.chain = chain;
        this.type = chain.type();
        this.number = number;
        this.buffer = buffer;
        this.holds = holds;
        this.state = done ? READY : PENDING;
    }

    /** Which ranks hold this version (null in a job of one rank). Program thread. */
    public Residence residence() {
        return residence;
    }

    public void residence(Residence where) {
        this.residence = where;
    }

    public VersionChain chain() {
        return chain;
    }

    /** How this version's buffers are made: its chain's type. Any thread. */
    public BufferType<Object> type() {
        return type;
    }

    /** Checked mode: records the op that made this version and a hash of its contents. Its worker, before completing it. */
    public void recordContents(String producerOp, long hash) {
        this.producer = producerOp;
        this.contentHash = hash;
    }

    /** Checked mode: the op that made this version, or null when its contents were not recorded. Once done. */
    public String producer() {
        return producer;
    }

    /** Checked mode: the hash of the contents its producer left. Once done, when {@link #producer()} is set. */
    public long contentHash() {
        return contentHash;
    }

    /** 0 for the first version, then one more per write. */
    public long number() {
        return number;
    }

    public boolean isDone() {
        return (int) STATE.getAcquire(this) != PENDING;
    }

    public boolean isFailed() {
        return (int) STATE.getAcquire(this) == FAILED;
    }

    /** Why this version has no value; only meaningful when {@link #isFailed()}. */
    public Failure failure() {
        return failure;
    }

    /** The buffer of a done version; null for a first version not yet materialised. After {@link #isDone()}. */
    public Object buffer() {
        return buffer;
    }

    /**
     * Allocates the zero contents of a first version that nobody has read yet. Program thread only, before
     * any op that reads this version is published.
     */
    public void materialize(MemoryAccount account) {
        // Only a first version (number 0, never produced by an op) starts without a buffer; testing the number
        // first avoids reading the buffer field of a version an op is producing right now.
        if (number == 0 && buffer == null) {
            buffer = type.allocate();
            account.addBytes(type.bytes(buffer));
        }
    }

    public void addHold() {
        HOLDS.getAndAdd(this, 1);
    }

    /**
     * Drops one hold; the last one recycles the buffer into {@code pool}, or discards it when {@code pool} is null,
     * and un-counts it.
     */
    public void releaseHold(BufferPool pool, MemoryAccount account) {
        int before = (int) HOLDS.getAndAdd(this, -1);
        if (before == 1) {
            free(pool, account);
        } else if (before <= 0) {
            throw new IllegalStateException(this + " released more often than held");
        }
    }

    /**
     * Takes the buffer over for the next version when the caller's hold is the only one left: the in-place
     * write of a read-write op that is the sole user of its input. Returns null when others still hold it.
     */
    public Object tryTakeOver() {
        if (buffer != null && HOLDS.compareAndSet(this, 1, 0)) {
            Object taken = buffer;
            buffer = null;
            return taken;
        }
        return null;
    }

    private void free(BufferPool pool, MemoryAccount account) {
        Object freed = buffer;
        if (freed != null) {
            buffer = null;
            long bytes = type.bytes(freed);
            account.addBytes(-bytes);
            BufferPool into = home != null && home.keeps(bytes) ? home : pool;
            if (into != null) {
                into.recycle(type, freed);
            } else {
                type.discard(freed);
            }
        }
    }

    /**
     * Publishes the produced buffer, drops the producer's hold, then wakes the waiters: dropping the hold
     * first lets a read-write successor that is the only remaining holder write in place. Worker thread of
     * the producing op.
     */
    public void complete(Object produced, BufferPool pool, MemoryAccount account) {
        buffer = produced;
        finish(READY, pool, account);
    }

    /**
     * Publishes a version received from another rank ({@link #complete} with no pool: the receiving thread has
     * none). Its buffer, once the version dies, goes to {@code home} (the rank's shared pool) whichever thread
     * releases the last hold, a worker after the last reader included: the next version of this object usually
     * arrives from that rank too, and lands in what this pool holds. A buffer {@code home} does not keep (too small)
     * goes where it would have gone.
     */
    public void completeReceived(Object received, BufferPool home, MemoryAccount account) {
        this.home = home; // published with the state, before the producer's hold is dropped
        complete(received, null, account);
    }

    /** Marks this version as lost because its producer failed (or was skipped); drops the producer's hold. */
    public void fail(Failure cause, BufferPool pool, MemoryAccount account) {
        failure = cause;
        finish(FAILED, pool, account);
    }

    private void finish(int finalState, BufferPool pool, MemoryAccount account) {
        STATE.setRelease(this, finalState); // publishes buffer / failure written above
        // After the state: a waiter that sees DONE (or a done state) need not be told, every other one is in the
        // list taken here.
        Object toWake = WAITERS.getAndSet(this, DONE);
        releaseHold(pool, account);
        if (toWake instanceof VersionWaiter single) {
            single.onVersionDone(this);
        } else if (toWake instanceof Waiters list) {
            wakeInRegistrationOrder(list);
        }
    }

    /** Wakes a list pushed newest first, oldest first: the order the waiters registered in. */
    private void wakeInRegistrationOrder(Waiters newest) {
        int count = 1; // the first waiter, which ends the list
        for (Object w = newest; w instanceof Waiters node; w = node.older) {
            count++;
        }
        VersionWaiter[] inOrder = new VersionWaiter[count];
        Object w = newest;
        for (int i = count - 1; i > 0; i--) {
            Waiters node = (Waiters) w;
            inOrder[i] = node.waiter;
            w = node.older;
        }
        inOrder[0] = (VersionWaiter) w;
        for (VersionWaiter waiter : inOrder) {
            waiter.onVersionDone(this);
        }
    }

    /**
     * Registers {@code waiter} to be told when this version is done. Returns false, registering nothing, when it
     * is done already. Lock free: a compare-and-set onto the waiter list, which {@link #finish} swaps for a
     * sentinel when it publishes the version.
     */
    public boolean addWaiter(VersionWaiter waiter) {
        while (true) {
            Object head = WAITERS.getAcquire(this);
            if (head == DONE) {
                return false;
            }
            Object next = head == null ? waiter : new Waiters(waiter, head); // one node per waiter after the first
            if (WAITERS.compareAndSet(this, head, next)) {
                return true;
            }
        }
    }

    /**
     * A waiter list node; the list is pushed newest first, and the first waiter, registered alone, ends it: {@code
     * older} is the node pushed before this one, or that first waiter itself.
     */
    private static final class Waiters {
        final VersionWaiter waiter;
        final Object older;

        Waiters(VersionWaiter waiter, Object older) {
            this.waiter = waiter;
            this.older = older;
        }
    }

    /** Blocks the calling (program) thread until this version is done. */
    public void await() {
        if (isDone()) {
            return;
        }
        Thread self = Thread.currentThread();
        VersionWaiter wake = version -> LockSupport.unpark(self);
        if (addWaiter(wake)) {
            while (!isDone()) {
                LockSupport.parkNanos(this, 50_000_000L);
            }
        }
    }

    @Override
    public String toString() {
        return chain.name() + " v" + number;
    }
}
