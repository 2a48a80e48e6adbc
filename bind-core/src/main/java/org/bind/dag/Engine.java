package org.bind.dag;

import org.bind.BindException;
import org.bind.OpFailedException;
import org.bind.intercept.OpMethod;
import org.bind.intercept.OpSink;
import org.bind.schedule.Scheduler;
import org.bind.schedule.Window;
import org.bind.trace.Progress;
import org.bind.trace.Tracer;
import org.bind.version.BufferType;
import org.bind.version.Failure;
import org.bind.version.ObjectOwner;
import org.bind.version.Tracked;
import org.bind.version.Version;
import org.bind.version.VersionChain;

/**
 * One rank's runtime: turns recorded op calls into DAG nodes over versions, runs the ones placed here on the
 * {@link Scheduler} within the {@link Window}, and reports failures at {@code sync()}.
 *
 * <p><b>Renaming.</b> Per versioned object the program thread keeps the latest version ({@link VersionChain}).
 * An op that reads an object binds the latest version as input (an edge only if that version is still being
 * produced or received); an op that writes it makes a new latest version. Readers of version v therefore run
 * alongside the writer of v+1: only read-after-write orders ops. A read-write op writes in place when it turns
 * out to be the only holder of its input, and copies otherwise.
 *
 * <p><b>Parts.</b> The engine records ops and runs the epoch; the rest is delegated: what the job's other ranks
 * change ({@link Distribution}: {@link SingleRank}, or {@link MultiRank} with its {@link Exchange},
 * {@link EpochSync}, {@link FrameRouter} and {@link JobHealth}), the failures of the epoch
 * ({@link FailureLedger}), dropped objects ({@link DroppedObjects}). Ops see it as an {@link OpHost}, transfers
 * as an {@link ExchangeHost} (both {@link RankHost}).
 *
 * <p><b>Ranks.</b> Every rank records every op. An op placed on another rank is bookkeeping only: its outputs
 * become versions held there, and reads of them by ops placed here become receives.
 *
 * <p>Over 400 lines because it is the program thread's whole side of a rank (recording, reads, sync, close, abort)
 * and the point where those calls meet what the parts above report; the parts themselves live in their own classes.
 *
 * <p><b>Threads.</b> {@link #submit}, {@link #sync}, {@link #close}, object creation and value reads: the
 * program thread. Completion callbacks: workers. Frames: the transport's thread.
 *
 * <p>A little over 400 lines: it is the program thread's whole surface (objects, submission, scopes, sync, close
 * and the launched main's last word), each part already a few lines delegating to {@link Distribution},
 * {@link FailureLedger} and {@link DroppedObjects}; {@link #submit}, the hot path, stays readable in
 * one place rather than spread over more calls.
 */
public final class Engine implements OpSink, ObjectOwner {
    /** Placement of ops outside any scope: every rank runs them. */
    public static final int COMMON = -1;
    private static final long WAIT_NS = 50_000_000L;

    private final int rank;
    private final int size;
    private final Tracer tracer;
    private final Progress progress;
    private final Window window;
    private final Scheduler scheduler;
    private final Distribution distribution;
    private final FailureLedger ledger;
    private final DroppedObjects dropped;
    private final RankHost host;
    private final Thread programThread;
    private long nextObjectId;
    private long nextOpSequence;
    /** The DAG of the epoch, recorded once asked for; null until then. Program thread. */
    private DagRecorder dag;
    private int placement = COMMON;
    private Integer priorityOverride;
    private final OpObjects submitted = new OpObjects();
    private final Runnable onWindowFull = this::whileWindowFull;
    private final ReceiverOrder receivers;
    private volatile boolean closed;
    private String broken;
    /** Started by a {@link LaunchedMain}, which gets the last word on how main ended. */
    private final boolean launched;
    /** A failed close of a launched main leaves the transport open for that last word. */
    private boolean keepTransport;
    private Throwable closeFailure;

    public Engine(EngineConfig config) {
        this.rank = config.rank();
        this.size = config.size();
        this.tracer = config.trace() == null ? null : new Tracer(config.traceFile(), rank, config.traceEvents());
        int workers = config.workers();
        this.window = new Window(config.windowOps(), config.windowBytes(), Window.floorFor(workers));
        long poolBytes = Math.max(1L << 20, Math.min(64L << 20, config.windowBytes() / (4L * workers)));
        this.scheduler = new Scheduler(workers, "bind-worker-" + rank + "-", poolBytes,
            Scheduler.ringCapacityFor(config.windowOps()), (thread, error) -> System.err.println("bind: uncaught in " + thread.getName() + ": " + error));
        this.programThread = Thread.currentThread();
        // checked mode (AccessCheck) is fixed when the engine starts
        this.host = new RankHost(this, rank, tracer, AccessCheck.enabled(), window, scheduler);
        this.receivers = new ReceiverOrder(host);
        this.dropped = new DroppedObjects(host, window);
        // the ledger is complete before the transport starts (a frame may complete a receive at once)
        this.ledger = new FailureLedger(this::announceFailure);
        host.ledger(ledger);
        this.distribution = size > 1 ? new MultiRank(config, host, host::epoch, this::failJob,
            scheduler::isIdle) : new SingleRank();
        this.progress = config.progressMs() <= 0 ? null : new Progress(rank, config.progressMs(), host.opsRun::sum,
            window::inFlight, () -> window.liveBytes() >> 20);
        this.launched = LaunchedMain.adopt(this);
        if (config.recordDag()) {
            recordDag();
        }
    }

    /** Tells the peers about a failure here (nothing when alone). Any thread. */
    private void announceFailure(Failure failure, long sequence) {
        distribution.announceFailure(failure, sequence);
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    @Override
    public Thread programThread() {
        return programThread;
    }

    @Override
    public boolean isClosed() {
        return closed;
    }

    /** Where ops submitted from now on run: a rank, or {@link #COMMON}. Program thread. */
    public void placement(int where) {
        this.placement = where;
    }

    // ---------------------------------------------------------------- objects

    /** Registers a new versioned object; its first version is on every rank and needs no producer. */
    public VersionChain track(Tracked object, BufferType<?> type) {
        checkUsable("create " + object.getClass().getSimpleName());
        dropped.release();
        long id = nextObjectId++;
        VersionChain chain = new VersionChain(this, id, object.getClass().getSimpleName() + "#" + id, type);
        distribution.heldEverywhere(chain.latest());
        dropped.watch(object, chain);
        return chain;
    }

    /**
     * Waits for the latest version of {@code chain} and returns its buffer (not a copy; the caller copies), or
     * null for a first version nobody wrote. Throws when the producing op failed, or when the version lives on
     * another rank. Program thread.
     */
    @Override
    public Object awaitLatest(VersionChain chain) {
        checkUsable("read " + chain.name());
        Version latest = chain.latest();
        distribution.awaitReadable(latest, chain.name());
        if (latest.isFailed()) {
            Failure f = latest.failure();
            String gone = PeerGoneException.reasonIn(f.cause());
            if (gone != null) {
                // a receive abandoned for a lost peer: the loss is the news, here and for the other survivors
                if (distribution.peerGone()) {
                    failJob(gone);
                }
                throw new BindException(chain.name() + " has no value: " + gone, f.cause());
            }
            throw new BindException(chain.name() + " has no value: op " + f.opName() + " failed on rank "
                + f.rank(), f.cause());
        }
        return latest.buffer();
    }

    /**
     * Runs while the program thread waits for room in the window: frees the versions of dropped objects, and
     * gives up instead of waiting forever when a peer is lost or no peer will send what the window waits for.
     */
    private void whileWindowFull() {
        if (window.liveBytes() > window.maxBytes()) {
            dropped.relieve();
        } else {
            dropped.release();
        }
        distribution.whileWindowFull();
    }

    /**
     * This rank gives up on the job: it becomes unusable, and every peer is told, so that none of them waits
     * for it. Returns the exception to throw. Program thread.
     */
    BindException failJob(String reason) {
        if (broken == null) {
            broken = reason;
            distribution.abandon(reason);
        }
        return new BindException(reason);
    }

    /**
     * Gives up without the collective sync: tells the other ranks, then stops workers and transport.
     * Program thread. Idempotent.
     */
    public void abort(String reason) {
        if (closed) {
            return;
        }
        failJob(reason);
        shutdown();
    }

    /** The program sets a new value now (a new version, the same on every rank). Program thread. */
    @Override
    public void writeFromProgram(VersionChain chain, Object buffer) {
        checkUsable("write " + chain.name());
        distribution.heldEverywhere(chain.supersedeWith(buffer, null, host));
    }

    // ---------------------------------------------------------------- submission

    @Override
    public void submit(OpMethod method, Object receiver, Object[] arguments, long[] primitives) {
        if (closed || broken != null) {
            checkUsable("submit op " + method.name()); // throws; the message is built only then
        }
        if (method.misuse() != null) {
            throw new BindException(method.misuse());
        }
        dropped.release();
        OpObjects found = submitted; // empty: every submission leaves it so
        int where = placement;
        long sequence;
        try {
            if (receiver instanceof Tracked versionedReceiver) {
                ArgCapture.classifyReceiver(method, versionedReceiver, this, found);
            }
            for (int i = 0; i < arguments.length; i++) {
                ArgCapture.classify(method, arguments, i, this, found);
            }
            sequence = nextOpSequence++;
            if (dag != null) {
                dag.record(sequence, method.name(), where, found.objects(), found.accessModes(), found.count(),
                    receiver != null && !(receiver instanceof Tracked) ? receiver : null);
            }
            if (!distribution.logOp(method, where, found.objects(), found.accessModes(), found.count())) {
                found.clear(); // placed on another rank: recorded, nothing runs here
                return;
            }
        } catch (RuntimeException | Error e) {
            found.clear();
            throw e;
        }
        int priority = priorityOverride != null ? priorityOverride : method.priority();
        OpNode op = new OpNode(host); // fresh, in this thread's allocation buffer: cheaper to fill than a node a worker wrote last
        op.prepare(method, sequence, priority, receiver, arguments, primitives, found);
        if (window.liveBytes() > window.maxBytes()) {
            dropped.relieve();
        }
        window.acquire(onWindowFull);
        Tracked[] objects = op.objects();
        Access[] access = op.accessModes();
        int count = objects.length;
        for (int i = 0; i < count; i++) {
            VersionChain chain = objects[i].versionChain();
            boolean writes = access[i].writes();
            if (access[i].reads()) {
                Version input = chain.latest();
                distribution.onRead(input, where);
                input.materialize(host);
                op.bindInput(i, input, writes); // a read-write op takes over the latest-hold (below)
            }
            if (writes) {
                Version output = access[i].reads() ? chain.supersedeHandingOver() : chain.supersede(null, host);
                distribution.onWrite(output, objects[i], where);
                op.bindOutput(i, output);
            }
        }
        if (receiver != null && !(receiver instanceof Tracked)) {
            VersionChain order = receivers.chainOf(receiver, this);
            op.bindOrderInput(order.latest()); // the latest-hold becomes the op's hold
            op.bindOrderOutput(order.supersedeHandingOver());
        }
        if (op.finishSubmission()) {
            scheduler.executeFromProgram(op); // program thread: its own ring
        }
    }

    /** The recorder of the epoch's DAG, recording from the next op on if it was not yet. Program thread. */
    public DagRecorder recordDag() {
        if (dag == null) {
            dag = new DagRecorder(host::epoch);
        }
        return dag;
    }

    /**
     * Ops submitted from now on get priority {@code priority} instead of their method's {@code @Op(priority)};
     * null restores the methods' own. Program thread.
     */
    public void priorityOverride(Integer priority) {
        this.priorityOverride = priority;
    }

    /** The priority override in force, or null. Program thread. */
    public Integer priorityOverride() {
        return priorityOverride;
    }

    /**
     * A read of the latest version of each object by the current placement (every rank when common): the
     * version travels down the usual tree to every rank that lacks it, after which {@code toArray()} works
     * there. Every rank must call it at the same point of the program (it is checked like an op). Program
     * thread.
     */
    public void replicate(Tracked[] objects) {
        checkUsable("replicate");
        for (Tracked object : objects) {
            if (object == null) {
                throw new BindException("replicate: null object");
            }
            if (object.versionChain().owner() != this) {
                throw new BindException("replicate: " + object
                    + " belongs to another Bind instance (closed, or another rank)");
            }
        }
        distribution.replicate(objects, placement);
    }

    // ---------------------------------------------------------------- sync and close

    /**
     * Waits for every submitted op and transfer here, then (with several ranks) for every other rank, and
     * reports the first failure of this epoch on any rank. Program thread.
     */
    public void sync() {
        sync(false);
    }

    /** {@link #sync()}; {@code closing}: this rank's last sync, the one of a launched main's close. */
    private void sync(boolean closing) {
        checkUsable("sync");
        OpFailedException failed;
        try {
            quiesce(); // a peer lost meanwhile ends it: the job is then broken, as when the agreement finds it
            failed = distribution.agree(host.epoch(), ledger.drain(), closing);
        } catch (BindException e) {
            if (broken == null) {
                if (distribution.peerGone() && !closing) {
                    failJob(e.getMessage()); // tells the other survivors which rank was lost (closing: the last word will)
                } else {
                    broken = e.getMessage();
                }
            }
            throw e;
        } finally {
            host.nextEpoch();
        }
        if (failed != null) {
            throw failed;
        }
    }

    private void quiesce() {
        while (window.inFlight() > 0) {
            window.awaitInFlightAtMost(0, WAIT_NS);
            if (window.inFlight() > 0) {
                distribution.whileQuiescing();
            }
        }
    }

    /** Syncs (unless the job is broken), then stops workers and transport. Idempotent. Program thread. */
    public void close() {
        if (closed) {
            return;
        }
        boolean lastWordFollows = launched && size > 1;
        try {
            if (broken == null) {
                sync(lastWordFollows);
            }
        } catch (RuntimeException | Error e) {
            keepTransport = lastWordFollows;
            closeFailure = e;
            throw e;
        } finally {
            shutdown();
        }
    }

    /**
     * The launched main that started this engine has ended ({@code thrown}: how, null when it returned): an engine
     * it left open is aborted with that reason; a failed close's transport carries the last word, then closes.
     * Program thread.
     */
    void onMainEnded(Throwable thrown) {
        if (!closed) {
            if (thrown != null) {
                abort(LaunchedMain.mainThrew(thrown));
            }
            return;
        }
        if (keepTransport) {
            keepTransport = false;
            distribution.lastWord(host.epoch(), thrown != null && thrown != closeFailure ? LaunchedMain.mainThrew(thrown)
                : "its main ended after the job failed: " + broken);
        }
    }

    private void shutdown() {
        if (closed) {
            return;
        }
        closed = true;
        if (!scheduler.shutdown(10_000)) {
            System.err.println("bind: workers of rank " + rank + " did not stop within 10 s");
        }
        if (!keepTransport) {
            distribution.close();
        }
        dropped.clear();
        host.clearSharedPool();
        if (progress != null) {
            progress.stop();
        }
        if (tracer != null) {
            tracer.write();
            System.err.println("bind: trace of rank " + rank + " written to " + tracer.file()
                + " (open it in ui.perfetto.dev)");
        }
    }

    private void checkUsable(String action) {
        if (closed) {
            throw new IllegalStateException("Bind is closed: cannot " + action);
        }
        if (broken != null) {
            throw new BindException("cannot " + action + ": this job is unusable after an earlier error: " + broken);
        }
    }

    // ---------------------------------------------------------------- counters

    public Counters counters() {
        Distribution.Transfers t = distribution.transfers();
        return new Counters(host.opsRun.sum(), host.opsSkipped.sum(), window.inFlight(), window.liveBytes(),
            window.stalls(), scheduler.steals(), host.inPlaceWrites.sum(), host.copies.sum(), host.epoch(),
            t.versionsSent(), t.versionsReceived(),
            t.bytesSent(), t.bytesReceived(), t.framesDropped(), dropped.collections(), t.receivedIntoRecycled(),
            host.sharedPool().reused());
    }

    public int workers() {
        return scheduler.workers();
    }
}
