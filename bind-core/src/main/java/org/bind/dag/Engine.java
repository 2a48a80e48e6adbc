package org.bind.dag;

import java.lang.ref.PhantomReference;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.UnaryOperator;

import org.bind.BindException;
import org.bind.OpFailedException;
import org.bind.Versioned;
import org.bind.intercept.Dispatcher;
import org.bind.intercept.OpMethod;
import org.bind.intercept.OpSink;
import org.bind.intercept.ParamKind;
import org.bind.schedule.Scheduler;
import org.bind.schedule.Window;
import org.bind.trace.Tracer;
import org.bind.version.BufferPool;
import org.bind.version.BufferType;
import org.bind.version.Failure;
import org.bind.version.MemoryAccount;
import org.bind.version.Version;
import org.bind.version.VersionChain;

/**
 * One rank's runtime: turns recorded op calls into DAG nodes over versions, runs them on the {@link Scheduler}
 * within the {@link Window}, and collects failures for {@code sync()}.
 *
 * <p><b>Renaming.</b> Per versioned object the program thread keeps the latest version ({@link VersionChain}).
 * An op that reads an object binds the latest version as input (an edge only if that version is still being
 * produced); an op that writes it makes a new latest version. Readers of version v therefore run alongside the
 * writer of v+1: only read-after-write orders ops. A read-write op writes in place when it turns out to be the
 * only holder of its input, and copies otherwise.
 *
 * <p><b>Threads.</b> {@link #submit}, {@link #sync}, {@link #close}, object creation and value reads: the
 * program thread. Completion callbacks: workers.
 */
public final class Engine implements OpSink, MemoryAccount {
    private static final int MAX_SUPPRESSED = 8;
    private static final Versioned[] NO_OBJECTS = new Versioned[0];
    private static final Access[] NO_ACCESS = new Access[0];

    private final int rank;
    private final Tracer tracer;
    private final Thread progress;
    private final Window window;
    private final Scheduler scheduler;
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
    private volatile long epoch;
    private volatile boolean closed;

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

    /**
     * @param rank         this rank
     * @param workers      worker threads
     * @param windowOps    ops in flight before the program thread blocks
     * @param windowBytes  bytes of live versions before the program thread blocks
     * @param tracer       records op slices, or null
     * @param progressMs   period of the progress line on stderr, or 0 for none
     */
    public Engine(int rank, int workers, long windowOps, long windowBytes, Tracer tracer, long progressMs) {
        this.rank = rank;
        this.tracer = tracer;
        this.window = new Window(windowOps, windowBytes);
        long poolBytes = Math.max(1L << 20, Math.min(64L << 20, windowBytes / (4L * workers)));
        this.scheduler = new Scheduler(workers, "bind-worker-" + rank + "-", poolBytes,
            (thread, error) -> System.err.println("bind: uncaught in " + thread.getName() + ": " + error));
        this.programThread = Thread.currentThread();
        this.progress = progressMs > 0 ? startProgress(progressMs) : null;
    }

    private Thread startProgress(long periodMs) {
        Thread thread = new Thread(() -> {
            long lastRun = -1;
            while (!closed) {
                java.util.concurrent.locks.LockSupport.parkNanos(periodMs * 1_000_000L);
                long run = opsRun.sum();
                long inFlight = window.inFlight();
                if (!closed && (run != lastRun || inFlight > 0)) {
                    System.err.printf("\rbind: rank %d: %,d ops done / %,d submitted, %,d in flight, %,d MiB live   ",
                        rank, run, run + inFlight, inFlight, window.liveBytes() >> 20);
                    lastRun = run;
                }
            }
            if (lastRun >= 0) {
                System.err.println();
            }
        }, "bind-progress-" + rank);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    /** The tracer, or null when tracing is off. */
    Tracer tracer() {
        return tracer;
    }

    public int rank() {
        return rank;
    }

    public Thread programThread() {
        return programThread;
    }

    public boolean isClosed() {
        return closed;
    }

    // ---------------------------------------------------------------- objects

    /** Registers a new versioned object; its first version is done and needs no producer. Program thread. */
    public VersionChain track(Versioned object, BufferType<?> type) {
        checkOpen("create " + object.getClass().getSimpleName());
        drainUnreachable();
        long id = nextObjectId++;
        VersionChain chain = new VersionChain(this, id, object.getClass().getSimpleName() + "#" + id, type);
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

    /**
     * Waits for the latest version of {@code chain} and returns its buffer (not a copy; the caller copies), or
     * null for a first version nobody wrote. Throws when the producing op failed. Program thread.
     */
    public Object awaitLatest(VersionChain chain) {
        Version latest = chain.latest();
        latest.await();
        if (latest.isFailed()) {
            Failure f = latest.failure();
            throw new BindException(chain.name() + " has no value: op " + f.opName() + " failed on rank "
                + f.rank(), f.cause());
        }
        return latest.buffer();
    }

    /** The program sets a new value now (a new done version). Program thread. */
    public void writeFromProgram(VersionChain chain, Object buffer) {
        checkOpen("write " + chain.name());
        chain.supersedeWith(buffer, null, this);
    }

    // ---------------------------------------------------------------- submission

    @Override
    public void submit(OpMethod method, Object receiver, Object[] arguments) {
        checkOpen("submit op " + method.name());
        if (method.misuse() != null) {
            throw new BindException(method.misuse());
        }
        drainUnreachable();
        Versioned[] objects = NO_OBJECTS;
        Access[] access = NO_ACCESS;
        int count = 0;
        for (int i = 0; i < arguments.length; i++) {
            Object argument = arguments[i];
            ParamKind kind = method.kind(i);
            if (argument instanceof Versioned object) {
                if (kind == ParamKind.BY_REF) {
                    throw misuse(method, i, object + " is versioned and tracked by the runtime; drop @ByRef");
                }
                VersionChain chain = object.versionChain();
                if (chain.owner() != this) {
                    throw misuse(method, i, object + " belongs to another Bind instance (closed, or another rank)");
                }
                Access a = kind == ParamKind.IN ? Access.READ : kind == ParamKind.OUT ? Access.WRITE : Access.READ_WRITE;
                int at = indexOf(objects, count, object);
                if (at >= 0) {
                    access[at] = access[at].combine(a);
                } else {
                    if (count == 0) {
                        objects = new Versioned[arguments.length - i];
                        access = new Access[arguments.length - i];
                    }
                    objects[count] = object;
                    access[count++] = a;
                }
            } else if (kind == ParamKind.IN || kind == ParamKind.OUT) {
                throw misuse(method, i, argument == null ? "is null" : "needs a Versioned argument, got "
                    + argument.getClass().getName());
            } else if (argument != null && kind != ParamKind.BY_REF) {
                arguments[i] = capture(method, i, argument);
            }
        }
        if (count > 0 && count < objects.length) {
            objects = java.util.Arrays.copyOf(objects, count);
            access = java.util.Arrays.copyOf(access, count);
        }
        window.acquire();
        OpNode op = new OpNode(this, method, nextOpSequence++, receiver, arguments, objects, access);
        for (int i = 0; i < count; i++) {
            VersionChain chain = objects[i].versionChain();
            if (access[i].reads()) {
                Version input = chain.latest();
                input.materialize(this);
                op.bindInput(i, input);
            }
            if (access[i].writes()) {
                op.bindOutput(i, chain.supersede(null, this));
            }
        }
        if (op.finishSubmission()) {
            scheduler.execute(op);
        }
    }

    private static int indexOf(Versioned[] objects, int count, Versioned object) {
        for (int i = 0; i < count; i++) {
            if (objects[i] == object) {
                return i;
            }
        }
        return -1;
    }

    private static Object capture(OpMethod method, int parameter, Object argument) {
        UnaryOperator<Object> capturer = ArgCapture.capturer(argument.getClass());
        if (capturer != null) {
            try {
                return capturer.apply(argument);
            } catch (ArgCapture.NotCapturable nested) {
                throw misuse(method, parameter, "holds a " + nested.type.getName() + ", which " + CANNOT_CAPTURE);
            }
        }
        throw misuse(method, parameter, "is a " + argument.getClass().getName() + ", which " + CANNOT_CAPTURE);
    }

    private static final String CANNOT_CAPTURE = "cannot be captured by value: pass a Versioned object, a value"
        + " (primitive, String, enum, primitive array, record of those), or mark the parameter @ByRef";

    private static BindException misuse(OpMethod method, int parameter, String problem) {
        return new BindException("@Op method " + method.name() + ", parameter " + method.describe(parameter)
            + ": argument " + problem);
    }

    void schedule(OpNode op) {
        scheduler.execute(op);
    }

    Object freshBuffer(BufferType<Object> type, BufferPool pool) {
        Object recycled = pool == null ? null : pool.take(type);
        Object buffer = recycled == null ? type.allocate() : type.reset(recycled);
        addBytes(type.bytes(buffer));
        return buffer;
    }

    // ---------------------------------------------------------------- completion

    Failure onOpFailed(OpNode op, Throwable error) {
        Failure failure = new Failure(op.method().name(), rank, epoch, error);
        synchronized (failures) {
            failures.add(new Recorded(op.sequence, failure));
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

    // ---------------------------------------------------------------- sync and close

    /** Waits for every submitted op, then reports the first failure of this epoch. Program thread. */
    public void sync() {
        checkOpen("sync");
        window.awaitInFlightAtMost(0);
        List<Recorded> failed;
        synchronized (failures) {
            failed = new ArrayList<>(failures);
            failures.clear();
        }
        epoch++;
        if (!failed.isEmpty()) {
            failed.sort(Comparator.comparingLong(Recorded::sequence));
            Failure first = failed.get(0).failure();
            OpFailedException error = new OpFailedException(first.opName(), first.rank(), first.cause());
            for (int i = 1; i < failed.size() && i <= MAX_SUPPRESSED; i++) {
                Failure other = failed.get(i).failure();
                error.addSuppressed(new OpFailedException(other.opName(), other.rank(), other.cause()));
            }
            throw error;
        }
    }

    /** Syncs, then stops the workers. Idempotent. Program thread. */
    public void close() {
        if (closed) {
            return;
        }
        try {
            sync();
        } finally {
            closed = true;
            if (!scheduler.shutdown(10_000)) {
                System.err.println("bind: workers of rank " + rank + " did not stop within 10 s");
            }
            tracked.clear();
            if (progress != null) {
                java.util.concurrent.locks.LockSupport.unpark(progress);
                joinQuietly(progress);
            }
            if (tracer != null) {
                tracer.write();
                System.err.println("bind: trace of rank " + rank + " written to " + tracer.file()
                    + " (open it in ui.perfetto.dev)");
            }
        }
    }

    private static void joinQuietly(Thread thread) {
        try {
            thread.join(5_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void checkOpen(String action) {
        if (closed) {
            throw new IllegalStateException("Bind is closed: cannot " + action);
        }
    }

    // ---------------------------------------------------------------- counters

    public Counters counters() {
        return new Counters(opsRun.sum(), opsSkipped.sum(), window.inFlight(), window.liveBytes(), window.stalls(),
            scheduler.steals(), inPlaceWrites.sum(), copies.sum(), epoch);
    }

    public int workers() {
        return scheduler.workers();
    }

    public long windowOps() {
        return window.maxOps();
    }

    public long windowBytes() {
        return window.maxBytes();
    }
}
