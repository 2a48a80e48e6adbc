package org.bind.schedule;

import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.bind.version.MemoryAccount;

/**
 * The bounded submission window: ops in flight and bytes of live version buffers. The program thread blocks
 * in {@link #acquire} while either bound is exceeded (GRAMPS-style back-pressure), so memory stays bounded
 * however far ahead the program runs. The byte bound only blocks while at least {@code floorOps} ops are in flight
 * (four per worker): below that the workers would run out of work and, with nothing in flight, nothing could free
 * memory. So a program whose own data outgrows the byte bound (matrices it keeps for the whole run) still keeps
 * every worker busy, a few ops ahead, instead of running one op at a time; the bound is then overshot by at most
 * {@code floorOps} ops' new versions.
 *
 * <p><b>Counting without a shared read-modify-write per op.</b> Ops in flight are {@code acquired + entered -
 * released}: {@code acquired} is written by the program thread alone (a release store, no atomic), {@code entered}
 * counts the rare transfers other threads start, and {@code released} is what workers count down. The program
 * thread tests the bound against its own lower bound of {@code released} and reads the shared counter only when
 * that bound says the window may be full, so a submission touches no cache line the workers write. Bytes the
 * program thread reserves for the outputs of the ops it submits go to a counter only it writes
 * ({@link #reserveFromProgram}); workers settle theirs on the shared one; the live bytes are the sum. Each counter
 * is a {@link PaddedLong}: the program thread's reads of {@code entered} and of the bytes would otherwise miss on
 * the line of {@code released}, which a worker writes per op.
 *
 * <p>{@link #acquire} and {@link #awaitInFlightAtMost}: program thread only. {@link #release}, {@link #enter} and
 * {@link #addBytes}: any thread.
 */
public final class Window implements MemoryAccount {
    private static final long PARK_NS = 20_000_000L; // re-check now and then; wake-ups are not relied on alone

    private final long maxOps;
    private final long maxBytes;
    private final long floorOps;
    private final long resumeOps;
    /** Slots the program thread took; written by it only (release stores). */
    private final PaddedLong acquired = new PaddedLong();
    /** The program thread's last reading of {@code released}: a lower bound of it. Program thread only. */
    private long releasedSeen;
    private final PaddedLong entered = new PaddedLong();
    private final PaddedLong released = new PaddedLong();
    /** Bytes counted by any thread (settled outputs, transfers, freed buffers). */
    private final PaddedLong liveBytes = new PaddedLong();
    /** Bytes the program thread reserved for its ops' outputs; written by it only (release stores). */
    private final PaddedLong programBytes = new PaddedLong();
    /** Program thread only: {@link #overBytesFromProgram}'s last reading of the counters. */
    private long ownBytesAtCheck;
    private long sharedBytesSeen;
    private final long bytesSlice;
    private final LongAdder stalls = new LongAdder();
    private volatile Thread waiter;
    private volatile long wakeAtOps;

    /** A window whose byte bound blocks only while {@code floorOps} or more ops are in flight (at least one). */
    public Window(long maxOps, long maxBytes, long floorOps) {
        if (maxOps < 1 || maxBytes < 1 || floorOps < 1) {
            throw new IllegalArgumentException("window bounds must be at least 1: ops " + maxOps + ", bytes "
                + maxBytes + ", floor " + floorOps);
        }
        this.maxOps = maxOps;
        this.maxBytes = maxBytes;
        this.floorOps = Math.min(floorOps, maxOps);
        this.resumeOps = Math.max(0, maxOps - Math.max(1, maxOps / 4));
        this.bytesSlice = Math.max(1, maxBytes / 64);
    }

    /**
     * Takes a slot for one op, blocking while the window is full. {@code whileWaiting} runs on every wake-up
     * while blocked (it may free memory, or throw to give up, e.g. when a peer is lost).
     */
    public void acquire(Runnable whileWaiting) {
        long taken = acquired.getOpaque(); // own counter: no other thread writes it
        if (taken + entered.getVolatile() - releasedSeen >= maxOps || overBytesFromProgram()) {
            releasedSeen = released.getVolatile();
            if (full()) {
                stalls.increment();
                while (full()) {
                    await(liveBytes() > maxBytes ? inFlight() - 1 : resumeOps);
                    whileWaiting.run();
                }
            }
        }
        acquired.setRelease(taken + 1); // read by other threads only for a snapshot or a wake-up decision
    }

    private boolean full() {
        long now = inFlight();
        return now >= maxOps || (liveBytes() > maxBytes && now >= floorOps);
    }

    /** Counts a transfer (or other work) as in flight without blocking. Any thread. */
    public void enter() {
        entered.getAndAdd(1);
    }

    /** Returns an op's slot. Any thread. */
    public void release() {
        long out = released.addAndGet(1); // a full fence: the read of waiter below sees a parking program thread
        Thread w = waiter;
        if (w != null && acquired.getVolatile() + entered.getVolatile() - out <= wakeAtOps) {
            LockSupport.unpark(w);
        }
    }

    /** Blocks until at most {@code ops} ops are in flight. Program thread only. */
    public void awaitInFlightAtMost(long ops) {
        while (inFlight() > ops) {
            await(ops);
        }
    }

    /** Blocks until at most {@code ops} are in flight or about {@code timeoutNs} passed. Program thread only. */
    public void awaitInFlightAtMost(long ops, long timeoutNs) {
        if (inFlight() > ops) {
            await(ops, timeoutNs);
        }
    }

    private void await(long ops) {
        await(ops, PARK_NS);
    }

    private void await(long ops, long timeoutNs) {
        wakeAtOps = ops;
        waiter = Thread.currentThread(); // volatile: a worker releasing after the read below sees it and unparks
        if (inFlight() > ops) {
            LockSupport.parkNanos(this, timeoutNs);
        }
        waiter = null;
    }

    @Override
    public void addBytes(long delta) {
        liveBytes.getAndAdd(delta);
    }

    /**
     * Whether the live bytes exceed the bound, as the program thread sees them: its own reservations exactly, the
     * workers' counter as read once per 16 ops acquired or once the program's reservations grew by a 64th of the
     * bound since the last reading (a worker writes that counter per op that settles bytes; and nothing here is
     * written per call, next to the {@code waiter} field workers read). Program thread only.
     */
    public boolean overBytesFromProgram() {
        long own = programBytes.getOpaque();
        if ((acquired.getOpaque() & 15) == 0 || own - ownBytesAtCheck >= bytesSlice) {
            ownBytesAtCheck = own;
            sharedBytesSeen = liveBytes.getVolatile();
        }
        return own + sharedBytesSeen > maxBytes;
    }

    /** Counts {@code delta} bytes reserved by a submission: no atomic, no line a worker writes. Program thread only. */
    public void reserveFromProgram(long delta) {
        programBytes.setRelease(programBytes.getOpaque() + delta);
    }

    /**
     * Ops and transfers in flight: exact when no other thread changes the counts meanwhile, otherwise at least the
     * number in flight when {@code released} was read (it is read first, and every release follows its acquire or
     * enter). Any thread.
     */
    public long inFlight() {
        long out = released.getVolatile();
        return acquired.getVolatile() + entered.getVolatile() - out;
    }

    /**
     * Bytes of live version buffers: exact on the program thread when no worker settles meanwhile, a snapshot
     * elsewhere. Any thread.
     */
    public long liveBytes() {
        return liveBytes.getVolatile() + programBytes.getVolatile();
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

    /** Ops in flight below which the byte bound does not block. */
    public long floorOps() {
        return floorOps;
    }

    /** The floor for {@code workers} workers: four ops each, so every worker has the next op at hand. */
    public static long floorFor(int workers) {
        return 4L * Math.max(1, workers);
    }
}
