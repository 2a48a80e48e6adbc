package org.bind.dag;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

import org.bind.BindException;
import org.bind.OpFailedException;
import org.bind.RemoteOpException;
import org.bind.Versioned;
import org.bind.collective.Residence;
import org.bind.intercept.Dispatcher;
import org.bind.intercept.OpMethod;
import org.bind.intercept.OpSink;
import org.bind.schedule.Scheduler;
import org.bind.schedule.Window;
import org.bind.trace.Progress;
import org.bind.trace.Tracer;
import org.bind.transport.Frames;
import org.bind.transport.MalformedFrameException;
import org.bind.transport.Messages;
import org.bind.transport.Transport;
import org.bind.version.BufferPool;
import org.bind.version.BufferType;
import org.bind.version.Failure;
import org.bind.version.MemoryAccount;
import org.bind.version.Version;
import org.bind.version.VersionChain;
import org.bind.version.VersionWaiter;

/**
 * One rank's runtime: turns recorded op calls into DAG nodes over versions, runs the ones placed here on the
 * {@link Scheduler} within the {@link Window}, plans transfers ({@link Exchange}), and reports failures and
 * divergence at {@code sync()} ({@link EpochSync}).
 *
 * <p><b>Renaming.</b> Per versioned object the program thread keeps the latest version ({@link VersionChain}).
 * An op that reads an object binds the latest version as input (an edge only if that version is still being
 * produced or received); an op that writes it makes a new latest version. Readers of version v therefore run
 * alongside the writer of v+1: only read-after-write orders ops. A read-write op writes in place when it turns
 * out to be the only holder of its input, and copies otherwise.
 *
 * <p><b>Ranks.</b> Every rank records every op. An op placed on another rank is bookkeeping only: its outputs
 * become versions held there, and reads of them by ops placed here become receives.
 *
 * <p><b>Threads.</b> {@link #submit}, {@link #sync}, {@link #close}, object creation and value reads: the
 * program thread. Completion callbacks: workers. {@link #onFrame}: the transport's thread.
 */
public final class Engine implements OpSink, MemoryAccount, Transport.Receiver {
    /** Placement of ops outside any scope: every rank runs them. */
    public static final int COMMON = -1;
    private static final int MAX_SUPPRESSED = 8;
    private static final long WAIT_NS = 50_000_000L;

    private final int rank;
    private final int size;
    private final long jobId;
    private final int maxFrameBytes;
    private final Tracer tracer;
    private final Progress progress;
    private final Window window;
    private final Scheduler scheduler;
    private final Transport transport;
    private final Exchange exchange;
    private final EpochSync epochSync;
    private final OpLog opLog;
    private final Thread programThread;
    private final ReferenceQueue<Versioned> unreachable = new ReferenceQueue<>();
    private final Set<ObjectRef> tracked = new HashSet<>();
    private final List<Recorded> failures = new ArrayList<>();
    private final LongAdder opsRun = new LongAdder();
    private final LongAdder opsSkipped = new LongAdder();
    private final LongAdder inPlaceWrites = new LongAdder();
    private final LongAdder copies = new LongAdder();
    private long nextObjectId;
    private long nextOpSequence;
    private int placement = COMMON;
    private Integer priorityOverride;
    private final OpObjects submitted = new OpObjects();
    private final ReceiverOrder receivers = new ReceiverOrder(this);
    /** The signature hash standing for {@link #replicate} in the op log. */
    private static final long REPLICATE = 0x5245504C49434154L;
    private long lastCollectionNs = System.nanoTime() - 1_000_000_000L;
    private volatile long epoch;
    private static final long MIN_COLLECTION_GAP_NS = 200_000_000L;
    private static final long MAX_COLLECTION_GAP_NS = 5_000_000_000L;
    /** The shortest time between two collections {@link #relieveMemory} asks for. Program thread. */
    private long collectionGapNs = MIN_COLLECTION_GAP_NS;
    private volatile boolean closed;
    private String broken;
    /** Checked mode ({@link AccessCheck}), fixed when the engine starts. */
    private final boolean checked = AccessCheck.enabled();
    /** Started by a {@link LaunchedMain}, which gets the last word on how main ended. */
    private final boolean launched;
    /** A failed close of a launched main leaves the transport open for that last word. */
    private boolean keepTransport;
    private Throwable closeFailure;

    private record Recorded(long sequence, Failure failure) {
    }

    /** Keeps an object's chain reachable until the object is not, then releases its latest version. */
    private static final class ObjectRef extends PhantomReference<Versioned> {
        final VersionChain chain;

        ObjectRef(Versioned object, VersionChain chain, ReferenceQueue<Versioned> queue) {
            super(object, queue);
            this.chain = chain;
        }
    }

    public Engine(EngineConfig config) {
        this.rank = config.rank();
        this.size = config.size();
        this.jobId = config.jobId();
        this.maxFrameBytes = Math.max(config.chunkBytes(), 64 << 20);
        this.tracer = config.tracer();
        this.window = new Window(config.windowOps(), config.windowBytes());
        int workers = config.workers();
        long poolBytes = Math.max(1L << 20, Math.min(64L << 20, config.windowBytes() / (4L * workers)));
        this.scheduler = new Scheduler(workers, "bind-worker-" + rank + "-", poolBytes,
            (thread, error) -> System.err.println("bind: uncaught in " + thread.getName() + ": " + error));
        this.programThread = Thread.currentThread();
        this.transport = config.transport();
        if (size > 1) {
            this.exchange = new Exchange(this, transport, jobId, config.chunkBytes(), config.maxVersionBytes());
            this.epochSync = new EpochSync(transport, jobId);
            this.opLog = new OpLog();
            transport.start(this);
        } else {
            this.exchange = null;
            this.epochSync = null;
            this.opLog = null;
        }
        this.progress = config.progressMs() <= 0 ? null : new Progress(rank, config.progressMs(), opsRun::sum,
            window::inFlight, () -> window.liveBytes() >> 20);
        this.launched = LaunchedMain.adopt(this);
    }

    public int rank() {
        return rank;
    }

    public int size() {
        return size;
    }

    public Thread programThread() {
        return programThread;
    }

    public boolean isClosed() {
        return closed;
    }

    /** Whether ops run in checked mode ({@link AccessCheck}). Any thread. */
    boolean checked() {
        return checked;
    }

    long epoch() {
        return epoch;
    }

    Tracer tracer() {
        return tracer;
    }

    /** Where ops submitted from now on run: a rank, or {@link #COMMON}. Program thread. */
    public void placement(int where) {
        this.placement = where;
    }

    // ---------------------------------------------------------------- objects

    /** Registers a new versioned object; its first version is on every rank and needs no producer. */
    public VersionChain track(Versioned object, BufferType<?> type) {
        checkUsable("create " + object.getClass().getSimpleName());
        drainUnreachable();
        long id = nextObjectId++;
        VersionChain chain = new VersionChain(this, id, object.getClass().getSimpleName() + "#" + id, type);
        if (size > 1) {
            chain.latest().residence(Residence.everywhere(size));
        }
        tracked.add(new ObjectRef(object, chain, unreachable));
        return chain;
    }

    private void drainUnreachable() {
        Reference<? extends Versioned> ref;
        while ((ref = unreachable.poll()) != null) {
            ObjectRef objectRef = (ObjectRef) ref;
            tracked.remove(objectRef);
            objectRef.chain.release(this);
        }
    }

    /**
     * The buffer bound to {@code object} in the op running on this thread. Throws {@link IllegalStateException}
     * naming the object outside ops, or when the object is not an argument of the running op, or (with
     * {@code write}) when the op only reads it.
     */
    public static Object boundBuffer(Versioned object, String name, boolean write) {
        Object running = Dispatcher.runningOp();
        if (!(running instanceof OpNode op)) {
            throw new IllegalStateException(name + ": data() is only available inside an @Op method;"
                + " outside ops use toArray() (or get() for Shared)");
        }
        Object buffer = op.bufferOf(object);
        if (buffer == null) {
            throw new IllegalStateException(name + " is not an argument of the running op " + op.method().name()
                + ": pass it as a parameter");
        }
        if (write && !op.writes(object)) {
            throw new IllegalStateException(name + " is read-only (@In) in op " + op.method().name());
        }
        return buffer;
    }

    /** Whether the current thread is running an op. */
    public static boolean inOp() {
        return Dispatcher.runningOp() != null;
    }

    /** The engine of the op running on this thread, or null. */
    public static Engine ofRunningOp() {
        return Dispatcher.runningOp() instanceof OpNode op ? op.engine() : null;
    }

    /**
     * Waits for the latest version of {@code chain} and returns its buffer (not a copy; the caller copies), or
     * null for a first version nobody wrote. Throws when the producing op failed, or when the version lives on
     * another rank. Program thread.
     */
    public Object awaitLatest(VersionChain chain) {
        checkUsable("read " + chain.name());
        Version latest = chain.latest();
        if (size > 1) {
            Residence residence = latest.residence();
            if (!residence.heldBy(rank)) {
                throw new BindException(chain.name() + " lives on rank " + residence.owner() + "; read it in an op"
                    + " placed there (try (Scope s = bind.on(" + residence.owner() + ")) { ... })");
            }
            awaitTransferable(latest, chain.name());
        } else {
            latest.await();
        }
        if (latest.isFailed()) {
            Failure f = latest.failure();
            throw new BindException(chain.name() + " has no value: op " + f.opName() + " failed on rank "
                + f.rank(), f.cause());
        }
        return latest.buffer();
    }

    /** Waits for a version that may be in transit; fails instead of hanging when no peer will send it. */
    private void awaitTransferable(Version version, String name) {
        Thread self = Thread.currentThread();
        VersionWaiter wake = v -> LockSupport.unpark(self);
        if (!version.addWaiter(wake)) {
            return;
        }
        while (!version.isDone()) {
            LockSupport.parkNanos(this, WAIT_NS);
            synchronized (epochSync) {
                epochSync.checkPeers();
            }
            // Every peer reached sync(): a receive still expected here will never come. Without one, the
            // version is still being computed here (its producer, or an op it waits for, is queued): wait on.
            if (!version.isDone() && exchange.pendingReceives() > 0 && epochSync.allPeersSynced(epoch)) {
                Thread.yield();
                if (!version.isDone() && exchange.pendingReceives() > 0) {
                    throw epochSync.preferThrownMain(epoch, failJob("DAG divergence: rank " + rank + " waits for "
                        + name + ", but every other rank reached sync() without sending it"
                        + " (the ranks must submit the same ops: no rank-dependent branch around an @Op call)"));
                }
            }
        }
    }

    /**
     * Runs while the program thread waits for room in the window: frees the versions of dropped objects, and
     * gives up instead of waiting forever when a peer is lost or no peer will send what the window waits for.
     */
    private void whileWindowFull() {
        if (window.liveBytes() > window.maxBytes()) {
            relieveMemory();
        } else {
            drainUnreachable();
        }
        if (size > 1) {
            synchronized (epochSync) {
                epochSync.checkPeers();
            }
            if (exchange.pendingReceives() > 0 && epochSync.allPeersSynced(epoch)) {
                throw epochSync.preferThrownMain(epoch, failJob("DAG divergence: rank " + rank + " waits for data"
                    + " that no other rank sent before reaching sync() (the ranks must submit the same ops: no"
                    + " rank-dependent branch around an @Op call)"));
            }
        }
    }

    /**
     * Over the byte budget: releases the versions of objects the program dropped. Their buffers stay reachable
     * from this runtime until it learns (through a phantom reference) that the object is gone, which takes a
     * garbage collection; so when dropping them is not enough, this asks for one, at most every 200 ms. A
     * collection that released nothing doubles the gap before the next (up to 5 s): the bytes are then held by
     * live objects or ops in flight, and collecting again would only cost time. Program thread.
     */
    private void relieveMemory() {
        drainUnreachable();
        long now = System.nanoTime();
        if (window.liveBytes() > window.maxBytes() && now - lastCollectionNs > collectionGapNs) {
            lastCollectionNs = now;
            long before = window.liveBytes();
            System.gc();
            drainUnreachable();
            collectionGapNs = window.liveBytes() < before ? MIN_COLLECTION_GAP_NS
                : Math.min(2 * collectionGapNs, MAX_COLLECTION_GAP_NS);
        }
    }

    /**
     * This rank gives up on the job: it becomes unusable, and every peer is told, so that none of them waits
     * for it. Returns the exception to throw. Program thread.
     */
    BindException failJob(String reason) {
        if (broken == null) {
            broken = reason;
            if (size > 1) {
                epochSync.broadcastAbort(epoch, reason);
                exchange.abandonReceives(new Failure("receive", rank, epoch, new BindException(reason)));
            }
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
    public void writeFromProgram(VersionChain chain, Object buffer) {
        checkUsable("write " + chain.name());
        Version written = chain.supersedeWith(buffer, null, this);
        if (size > 1) {
            written.residence(Residence.everywhere(size));
        }
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
        drainUnreachable();
        OpObjects found = submitted;
        found.clear();
        if (receiver instanceof Versioned versionedReceiver) {
            ArgCapture.classifyReceiver(method, versionedReceiver, this, found);
        }
        for (int i = 0; i < arguments.length; i++) {
            ArgCapture.classify(method, arguments, i, this, found);
        }
        int count = found.count();
        Versioned[] objects = found.objectsCopy();
        Access[] access = found.accessCopy();
        found.clear();
        int where = placement;
        long sequence = nextOpSequence++;
        if (size > 1) {
            opLog.append(opHash(method, where, objects, access, count), method.name(), where);
            if (where != COMMON && where != rank) {
                recordElsewhere(objects, access, count, where);
                return;
            }
        }
        if (window.liveBytes() > window.maxBytes()) {
            relieveMemory();
        }
        window.acquire(this::whileWindowFull);
        int priority = priorityOverride != null ? priorityOverride : method.priority();
        OpNode op = new OpNode(this, method, sequence, priority, receiver, arguments, primitives, objects,
            access);
        for (int i = 0; i < count; i++) {
            VersionChain chain = objects[i].versionChain();
            if (access[i].reads()) {
                Version input = chain.latest();
                if (size > 1) {
                    exchange.noteRead(input, where, epoch);
                }
                input.materialize(this);
                op.bindInput(i, input);
            }
            if (access[i].writes()) {
                Version output = chain.supersede(null, this);
                if (size > 1) {
                    output.residence(where == COMMON ? Residence.everywhere(size) : Residence.on(where, size));
                    if (objects[i].replicated() && where != COMMON) {
                        exchange.noteBroadcast(output, where, epoch);
                    }
                }
                op.bindOutput(i, output);
            }
        }
        if (receiver != null && !(receiver instanceof Versioned)) {
            VersionChain order = receivers.chainOf(receiver, this);
            op.bindOrderInput(order.latest()); // the op's hold, taken before supersede drops the latest-hold
            op.bindOrderOutput(order.supersede(null, this));
        }
        if (op.finishSubmission()) {
            scheduler.executeFromProgram(op); // program thread: its own ring
        }
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
    public void replicate(Versioned[] objects) {
        checkUsable("replicate");
        for (Versioned object : objects) {
            if (object == null) {
                throw new BindException("replicate: null object");
            }
            if (object.versionChain().owner() != this) {
                throw new BindException("replicate: " + object
                    + " belongs to another Bind instance (closed, or another rank)");
            }
        }
        if (size == 1) {
            return;
        }
        int where = placement;
        Access[] reads = new Access[objects.length];
        java.util.Arrays.fill(reads, Access.READ);
        opLog.append(opHash(REPLICATE, where, objects, reads, objects.length), "replicate", where);
        for (Versioned object : objects) {
            exchange.noteRead(object.versionChain().latest(), where, epoch);
        }
    }

    /** Bookkeeping for an op placed on another rank: plan its inputs' transfers, make its outputs remote. */
    private void recordElsewhere(Versioned[] objects, Access[] access, int count, int where) {
        for (int i = 0; i < count; i++) {
            VersionChain chain = objects[i].versionChain();
            if (access[i].reads()) {
                exchange.noteRead(chain.latest(), where, epoch);
            }
            if (access[i].writes()) {
                Version output = chain.supersedeRemote(null, this);
                output.residence(Residence.on(where, size));
                if (objects[i].replicated()) {
                    exchange.noteBroadcast(output, where, epoch);
                }
            }
        }
    }

    private static long opHash(OpMethod method, int where, Versioned[] objects, Access[] access, int count) {
        return opHash(method.signatureHash(), where, objects, access, count);
    }

    private static long opHash(long signature, int where, Versioned[] objects, Access[] access, int count) {
        long h = OpLog.mix(signature ^ (where + 2L));
        for (int i = 0; i < count; i++) {
            h = OpLog.mix(h ^ (objects[i].id() * 4 + access[i].ordinal()));
        }
        return h;
    }

    void schedule(java.util.concurrent.ForkJoinTask<?> task) {
        scheduler.execute(task);
    }

    /** A zeroed buffer, recycled when the pool has one; the caller counts its bytes. */
    Object freshBuffer(BufferType<Object> type, BufferPool pool) {
        Object recycled = pool == null ? null : pool.take(type);
        return recycled == null ? type.allocate() : type.reset(recycled);
    }

    void enterInFlight() {
        window.enter();
    }

    void leaveInFlight() {
        window.release();
    }

    // ---------------------------------------------------------------- completion

    Failure onOpFailed(OpNode op, Throwable error) {
        return record(op.sequence, new Failure(op.method().name(), rank, epoch, error));
    }

    /** A transfer failed (encoding, sending, decoding): reported at sync() like an op failure. */
    void onTransferFailed(String what, Throwable error) {
        record(Long.MAX_VALUE, new Failure(what, rank, epoch, error));
    }

    private Failure record(long sequence, Failure failure) {
        synchronized (failures) {
            failures.add(new Recorded(sequence, failure));
        }
        if (size > 1) {
            try {
                epochSync.broadcastFailure(failure.epoch(), toMessage(failure, sequence));
            } catch (RuntimeException e) {
                System.err.println("bind: rank " + rank + " could not report the failure of " + failure.opName()
                    + ": " + e.getMessage());
            }
        }
        return failure;
    }

    Failure onOpSkipped(OpNode op, Failure inputFailure) {
        if (inputFailure.epoch() == epoch) {
            opsSkipped.increment();
            return inputFailure;
        }
        // The failure was reported by an earlier sync(); reading its lost output is a new failure.
        return onOpFailed(op, new BindException("an input of op " + op.method().name() + " has no value: op "
            + inputFailure.opName() + " failed on rank " + inputFailure.rank() + " in an earlier epoch",
            inputFailure.cause()));
    }

    void onOpDone() {
        opsRun.increment();
        window.release();
    }

    void countInPlace() {
        inPlaceWrites.increment();
    }

    void countCopy() {
        copies.increment();
    }

    @Override
    public void addBytes(long delta) {
        window.addBytes(delta);
    }

    static Messages.Failure toMessage(Failure failure, long sequence) {
        Throwable cause = failure.cause();
        StringWriter text = new StringWriter();
        if (cause != null) {
            text.append(String.valueOf(cause.getMessage())).append('\n');
            cause.printStackTrace(new PrintWriter(text));
        }
        return new Messages.Failure(sequence, failure.opName(), failure.rank(), failure.epoch(),
            cause == null ? "" : cause.getClass().getName(), text.toString());
    }

    static Failure fromMessage(Messages.Failure message) {
        String text = message.causeText();
        int newline = text.indexOf('\n');
        return new Failure(message.opName(), message.rank(), message.epoch(),
            new RemoteOpException(message.causeClass(), newline < 0 ? text : text.substring(0, newline),
                message.rank()));
    }

    // ---------------------------------------------------------------- frames (transport thread)

    @Override
    public void onFrame(int fromRank, ByteBuffer frame) {
        try {
            Frames.Header header = Frames.parse(frame, jobId, maxFrameBytes);
            ByteBuffer payload = Frames.payload(frame);
            switch (header.type()) {
                case Frames.DATA -> exchange.onData(header, frame);
                case Frames.LOST -> exchange.onLost(header, Messages.decodeFailure(payload));
                case Frames.FAILURE -> epochSync.onFailure(fromRank, Messages.decodeFailure(payload));
                case Frames.ABORT -> {
                    epochSync.onAbort(fromRank, Messages.decodeText(payload));
                    exchange.abandonReceives(new Failure("receive from rank " + fromRank, rank, epoch,
                        new BindException("rank " + fromRank + " gave up on the job")));
                }
                case Frames.SYNC -> epochSync.onSync(fromRank, header.epoch(), Messages.decodeSync(payload));
                case Frames.DETAIL -> epochSync.onDetail(fromRank, header.epoch(), Messages.decodeDetail(payload));
                default -> throw new MalformedFrameException("unexpected frame type " + header.type());
            }
        } catch (MalformedFrameException e) {
            exchange.countDropped();
            System.err.println("bind: rank " + rank + " dropped a frame from rank " + fromRank + ": " + e.getMessage());
        }
    }

    @Override
    public void onPeerLost(int peer, String reason) {
        epochSync.onPeerLost(peer, reason);
        exchange.abandonReceives(new Failure("receive from rank " + peer, rank, epoch,
            new BindException("rank " + peer + " lost: " + reason)));
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
        quiesce();
        List<Recorded> local;
        synchronized (failures) {
            local = new ArrayList<>(failures);
            failures.clear();
        }
        local.sort(Comparator.comparingLong(Recorded::sequence));
        long finished = epoch;
        if (size == 1) {
            epoch++;
            if (!local.isEmpty()) {
                throw failedOps(local.stream().map(r -> r.failure).toList());
            }
            return;
        }
        List<Messages.Failure> all;
        try {
            all = epochSync.exchange(finished, opLog, local.stream().map(r -> toMessage(r.failure, r.sequence)).toList(),
                closing);
        } catch (BindException e) {
            if (broken == null) {
                if (epochSync.peerGone() && !closing) {
                    failJob(e.getMessage()); // tells the other survivors which rank was lost (closing: the last word will)
                } else {
                    broken = e.getMessage();
                }
            }
            throw e;
        } finally {
            exchange.dropUnclaimed(finished);
            opLog.reset();
            epoch++;
        }
        if (!all.isEmpty()) {
            List<Failure> ordered = new ArrayList<>();
            for (Messages.Failure m : all) {
                Failure own = null;
                if (m.rank() == rank) {
                    for (Recorded r : local) {
                        if (r.sequence == m.sequence() && r.failure.opName().equals(m.opName())) {
                            own = r.failure;
                            break;
                        }
                    }
                }
                ordered.add(own != null ? own : fromMessage(m));
            }
            throw failedOps(ordered);
        }
    }

    private void quiesce() {
        while (window.inFlight() > 0) {
            window.awaitInFlightAtMost(0, WAIT_NS);
            if (size > 1 && window.inFlight() > 0) {
                synchronized (epochSync) {
                    epochSync.checkPeers();
                }
                if (exchange.pendingReceives() > 0 && epochSync.allPeersSynced(epoch)) {
                    exchange.abandonReceives(new Failure("receive", rank, epoch, new BindException(
                        "DAG divergence: rank " + rank + " expected data that no other rank sent before sync()")));
                }
            }
        }
    }

    private static OpFailedException failedOps(List<Failure> failed) {
        Failure first = failed.get(0);
        OpFailedException error = new OpFailedException(first.opName(), first.rank(), first.cause());
        for (int i = 1; i < failed.size() && i <= MAX_SUPPRESSED; i++) {
            Failure other = failed.get(i);
            error.addSuppressed(new OpFailedException(other.opName(), other.rank(), other.cause()));
        }
        return error;
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
            epochSync.broadcastAbort(epoch, thrown != null && thrown != closeFailure ? LaunchedMain.mainThrew(thrown)
                : "its main ended after the job failed: " + broken);
            transport.close();
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
        if (transport != null && !keepTransport) {
            transport.close();
        }
        tracked.clear();
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
        return new Counters(opsRun.sum(), opsSkipped.sum(), window.inFlight(), window.liveBytes(), window.stalls(),
            scheduler.steals(), inPlaceWrites.sum(), copies.sum(), epoch,
            exchange == null ? 0 : exchange.versionsSent(), exchange == null ? 0 : exchange.versionsReceived(),
            exchange == null ? 0 : exchange.bytesSent(), exchange == null ? 0 : exchange.bytesReceived(),
            exchange == null ? 0 : exchange.framesDropped());
    }

    public int workers() {
        return scheduler.workers();
    }
}
