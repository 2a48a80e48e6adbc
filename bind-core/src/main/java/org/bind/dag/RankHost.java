package org.bind.dag;

import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.LongAdder;

import org.bind.BindException;
import org.bind.schedule.Scheduler;
import org.bind.schedule.Window;
import org.bind.trace.Tracer;
import org.bind.version.BufferPool;
import org.bind.version.BufferType;
import org.bind.version.Failure;

/**
 * The engine as its ops ({@link OpHost}) and transfers ({@link ExchangeHost}) see it: the workers, the window,
 * the epoch, the failure ledger and the op counters. It holds the epoch, which the engine advances at each sync.
 *
 * <p>Workers, the transport's thread; {@link #nextEpoch}: the program thread.
 */
final class RankHost implements OpHost, ExchangeHost {
    private final Engine engine;
    private final int rank;
    private final Tracer tracer;
    private final boolean checked;
    private final Window window;
    private final Scheduler scheduler;
    /** Dead buffers released off the workers (sends, relays, the program thread); received versions land in them. */
    private final BufferPool shared;
    private FailureLedger ledger;
    private volatile long epoch;
    final LongAdder opsRun = new LongAdder();
    final LongAdder opsSkipped = new LongAdder();
    final LongAdder inPlaceWrites = new LongAdder();
    final LongAdder copies = new LongAdder();

    RankHost(Engine engine, int rank, Tracer tracer, boolean checked, Window window, Scheduler scheduler) {
        this.engine = engine;
        this.rank = rank;
        this.tracer = tracer;
        this.checked = checked;
        this.window = window;
        this.scheduler = scheduler;
        this.shared = BufferPool.shared(sharedPoolBytes(window.maxBytes()));
    }

    /**
     * What the shared pool may hold for a window of {@code windowBytes}: a quarter of it, at least 1 MiB (with the
     * default window, a quarter of the heap, a 16th of the heap). A rank that updates a version it broadcasts has, at
     * each sync, every version of the run since the last one die at once and its next updates copy into as many: with
     * an eighth, 2 of the 3 arrays of 64 MiB a repetition of {@code bin/bench transfer}'s broadcast leaves fitted (an
     * eighth of the window of a 5.9 GiB heap is 188 MiB), and one of the root's copies in three went to a new array.
     */
    static long sharedPoolBytes(long windowBytes) {
        return Math.max(1L << 20, windowBytes / 4);
    }

    /** Where failures are recorded; set once, before the first op. */
    void ledger(FailureLedger ledger) {
        this.ledger = ledger;
    }

    /** The engine these ops belong to (for {@link Engine#ofRunningOp}; not part of what ops see). */
    Engine engine() {
        return engine;
    }

    /** The epoch is over: ops submitted from now on are of the next. Program thread. */
    void nextEpoch() {
        epoch++;
    }

    @Override
    public long epoch() {
        return epoch;
    }

    @Override
    public Tracer tracer() {
        return tracer;
    }

    @Override
    public boolean checked() {
        return checked;
    }

    @Override
    public void schedule(ForkJoinTask<?> task) {
        scheduler.execute(task);
    }

    @Override
    public Object freshBuffer(BufferType<Object> type, BufferPool pool) {
        Object recycled = recycledBuffer(type, pool);
        return recycled == null ? type.allocate() : type.reset(recycled);
    }

    @Override
    public Object recycledBuffer(BufferType<Object> type, BufferPool pool) {
        Object recycled = pool == null ? null : pool.take(type);
        return recycled != null ? recycled : shared.take(type);
    }

    @Override
    public BufferPool sharedPool() {
        return shared;
    }

    /** Discards what the shared pool holds (native buffers are freed). At close, once nothing runs. */
    void clearSharedPool() {
        shared.clear();
    }

    @Override
    public void enterInFlight() {
        window.enter();
    }

    @Override
    public void leaveInFlight() {
        window.release();
    }

    @Override
    public Failure onOpFailed(OpNode op, Throwable error) {
        return ledger.record(op.sequence, new Failure(op.method().name(), rank, epoch, error));
    }

    @Override
    public void onTransferFailed(String what, Throwable error) {
        ledger.record(Long.MAX_VALUE, new Failure(what, rank, epoch, error));
    }

    @Override
    public Failure onOpSkipped(OpNode op, Failure inputFailure) {
        if (inputFailure.epoch() == epoch) {
            opsSkipped.increment();
            return inputFailure;
        }
        // The failure was reported by an earlier sync(); reading its lost output is a new failure.
        return onOpFailed(op, new BindException("an input of op " + op.method().name() + " has no value: op "
            + inputFailure.opName() + " failed on rank " + inputFailure.rank() + " in an earlier epoch",
            inputFailure.cause()));
    }

    @Override
    public void onOpDone() {
        opsRun.increment();
        window.release();
    }

    @Override
    public void countInPlace() {
        inPlaceWrites.increment();
    }

    @Override
    public void countCopy() {
        copies.increment();
    }

    @Override
    public void addBytes(long delta) {
        window.addBytes(delta);
    }
}
