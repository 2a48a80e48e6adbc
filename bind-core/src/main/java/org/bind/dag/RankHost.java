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
import org.bind.version.SpareBuffers;

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
    private final SpareBuffers spares;
    private FailureLedger ledger;
    private volatile long epoch;
    final LongAdder opsRun = new LongAdder();
    final LongAdder opsSkipped = new LongAdder();
    final LongAdder inPlaceWrites = new LongAdder();
    final LongAdder copies = new LongAdder();

    RankHost(Engine engine, int rank, Tracer tracer, boolean checked, Window window, Scheduler scheduler,
             SpareBuffers spares) {
        this.engine = engine;
        this.spares = spares;
        this.rank = rank;
        this.tracer = tracer;
        this.checked = checked;
        this.window = window;
        this.scheduler = scheduler;
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
    public SpareBuffers spares() {
        return spares;
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
        Object recycled = pool == null ? null : pool.take(type);
        return recycled == null ? type.allocate() : type.reset(recycled);
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
