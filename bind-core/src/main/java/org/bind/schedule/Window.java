package org.bind.schedule;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.bind.version.MemoryAccount;

/**
 * The bounded submission window: ops in flight and bytes of live version buffers. The program thread blocks
 * in {@link #acquire} while either bound is exceeded (GRAMPS-style back-pressure), so memory stays bounded
 * however far ahead the program runs. The byte bound only blocks while ops are in flight: with nothing in
 * flight nothing could free memory, and the program proceeds.
 *
 * <p>{@link #acquire} and {@link #awaitInFlightAtMost}: program thread only. {@link #release} and
 * {@link #addBytes}: any thread.
 */
public final class Window implements MemoryAccount {
    private static final long PARK_NS = 20_000_000L; // re-check now and then; wake-ups are not relied on alone

    private final long maxOps;
    private final long maxBytes;
    private final long resumeOps;
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong liveBytes = new AtomicLong();
    private final LongAdder stalls = new LongAdder();
    private volatile Thread waiter;
    private volatile long wakeAtOps;

    public Window(long maxOps, long maxBytes) {
        this.maxOps = maxOps;
        this.maxBytes = maxBytes;
        this.resumeOps = Math.max(0, maxOps - Math.max(1, maxOps / 4));
    }

    /**
     * Takes a slot for one op, blocking while the window is full. {@code whileWaiting} runs on every wake-up
     * while blocked (it may free memory, or throw to give up, e.g. when a peer is lost).
     */
    public void acquire(Runnable whileWaiting) {
        if (full()) {
            stalls.increment();
            while (full()) {
                await(liveBytes.get() > maxBytes ? inFlight.get() - 1 : resumeOps);
                whileWaiting.run();
            }
        }
        inFlight.incrementAndGet();
    }

    private boolean full() {
        return inFlight.get() >= maxOps || (liveBytes.get() > maxBytes && inFlight.get() > 0);
    }

    /** Counts a transfer (or other work) as in flight without blocking. Any thread. */
    public void enter() {
        inFlight.incrementAndGet();
    }

    /** Returns an op's slot. Any thread. */
    public void release() {
        long now = inFlight.decrementAndGet();
        Thread w = waiter;
        if (w != null && now <= wakeAtOps) {
            LockSupport.unpark(w);
        }
    }

    /** Blocks until at most {@code ops} ops are in flight. Program thread only. */
    public void awaitInFlightAtMost(long ops) {
        while (inFlight.get() > ops) {
            await(ops);
        }
    }

    /** Blocks until at most {@code ops} are in flight or about {@code timeoutNs} passed. Program thread only. */
    public void awaitInFlightAtMost(long ops, long timeoutNs) {
        if (inFlight.get() > ops) {
            await(ops, timeoutNs);
        }
    }

    private void await(long ops) {
        await(ops, PARK_NS);
    }

    private void await(long ops, long timeoutNs) {
        wakeAtOps = ops;
        waiter = Thread.currentThread();
        if (inFlight.get() > ops) {
            LockSupport.parkNanos(this, timeoutNs);
        }
        waiter = null;
    }

    @Override
    public void addBytes(long delta) {
        liveBytes.addAndGet(delta);
    }

    public long inFlight() {
        return inFlight.get();
    }

    public long liveBytes() {
        return liveBytes.get();
    }

    /** Times the program thread found the window full. */
    public long stalls() {
        return stalls.sum();
    }

    public long maxOps() {
        return maxOps;
    }

    public long maxBytes() {
        return maxBytes;
    }
}
