package org.bind;

import java.nio.file.Path;
import java.util.ArrayDeque;

import org.bind.dag.Counters;
import org.bind.dag.Engine;
import org.bind.dag.EngineConfig;
import org.bind.dag.RunningOps;
import org.bind.transport.Transport;
import org.bind.transport.TransportFactory;
import org.bind.intercept.Dispatcher;
import org.bind.intercept.Interceptor;
import org.bind.intercept.OpSink;
import org.bind.version.ObjectOwner;

/**
 * The entry point: one instance per rank. The program's thread (the one that calls {@link #init}) runs the
 * sequential program; calls it makes to {@code @Op} methods are recorded and run in parallel.
 *
 * <pre>{@code
 * try (Bind bind = Bind.init(args)) {
 *     DoubleArray a = DoubleArray.of(n);
 *     Kernels.fill(a, 1.0);      // @Op: recorded, runs on a worker
 *     Kernels.scale(a, 2.0);     // waits for fill only
 *     bind.sync();
 *     double[] result = a.toArray();
 * }
 * }</pre>
 *
 * <p>{@link #init}, {@link #sync}, {@link #on}, {@link #close}: the program thread only.
 *
 * <p>Over 400 lines because {@link Context}, the settings, is nested here: it is public API as {@code Bind.Context}.
 */
public final class Bind implements AutoCloseable {
    private static final ThreadLocal<Context> LAUNCH = new ThreadLocal<>();

    static {
        Dispatcher.locator(Bind::sinkFor);
    }

    private final EngineConfig config;
    private final Engine engine;
    private final String[] args;
    private final ArrayDeque<RankScope> scopes = new ArrayDeque<>();
    private boolean closed;

    private Bind(EngineConfig config, String[] args) {
        this.config = config;
        this.args = args.clone();
        this.engine = new Engine(config);
    }

    /**
     * Joins the job started by the launcher ({@code bin/bindrun}); run alone it is a job of one rank. Settings
     * come from system properties (see {@link Context}).
     */
    public static Bind init(String... args) {
        String[] given = args == null ? new String[0] : args;
        Context launched = LAUNCH.get();
        if (launched != null) {
            return init(launched, given);
        }
        String transport = System.getenv(TransportFactory.TRANSPORT_ENV);
        if (transport == null) {
            transport = System.getProperty("bind.transport");
        }
        if (transport == null || transport.isEmpty() || transport.equals("inproc")) {
            return init(new Context(), given);
        }
        TransportFactory.Bootstrap joined = factory(transport).join(given, System.getenv());
        return init(new Context().transport(joined.transport()).jobId(joined.jobId()), joined.applicationArgs());
    }

    private static TransportFactory factory(String name) {
        java.util.List<String> known = new java.util.ArrayList<>();
        java.util.Iterator<TransportFactory> factories = java.util.ServiceLoader.load(TransportFactory.class).iterator();
        while (true) {
            TransportFactory factory;
            try {
                if (!factories.hasNext()) {
                    break;
                }
                factory = factories.next();
            } catch (java.util.ServiceConfigurationError | LinkageError unusable) {
                continue; // a transport whose own dependencies are not on the classpath: not this one
            }
            if (factory.name().equals(name)) {
                return factory;
            }
            known.add(factory.name());
        }
        throw new BindException("transport '" + name + "' (from " + TransportFactory.TRANSPORT_ENV
            + ") is not on the classpath; available: " + (known.isEmpty() ? "none (add bind-mpi)" : known));
    }

    /**
     * For launchers that run ranks as threads: makes {@link #init(String...)} on the current thread use
     * {@code context} (its transport, rank and size). Pass null to clear.
     */
    public static void launchContext(Context context) {
        if (context == null) {
            LAUNCH.remove();
        } else {
            LAUNCH.set(context);
        }
    }

    /** Starts with explicit settings. */
    public static Bind init(Context context) {
        return init(context, new String[0]);
    }

    private static Bind init(Context context, String[] args) {
        Bind current = Instances.ofProgramThread();
        if (current != null && !current.closed) {
            throw new IllegalStateException("Bind is already initialised on thread " + Thread.currentThread().getName()
                + "; close it before calling init again");
        }
        EngineConfig concluded = context.conclude();
        Interceptor.install();
        Bind bind = new Bind(concluded, args);
        Instances.opened(bind, bind.engine);
        return bind;
    }

    /**
     * For launchers, after a rank's {@code main} returned: closes the Bind that the current thread initialised
     * and left open (syncing with the other ranks), so that no rank waits for one that is gone. Returns whether
     * there was one.
     */
    public static boolean closeLaunched() {
        Bind bind = Instances.ofProgramThread();
        if (bind == null || bind.closed) {
            return false;
        }
        bind.close();
        return true;
    }

    /** The instance of the calling program thread (or of the running op's rank); else {@link IllegalStateException}. */
    public static Bind current() {
        Bind bind = Instances.find();
        if (bind == null) {
            throw new IllegalStateException("Bind is not initialised: call Bind.init(args) first");
        }
        if (bind.closed) {
            throw new IllegalStateException("Bind is closed: call Bind.init(args) again for a new job");
        }
        return bind;
    }

    public int rank() {
        return config.rank();
    }

    /** Whether {@link #close()} or {@link #abort} has run. */
    boolean isClosed() {
        return closed;
    }

    public int size() {
        return config.size();
    }

    public int workers() {
        return engine.workers();
    }

    /** The application's own arguments (the launcher's removed). */
    public String[] args() {
        return args.clone();
    }

    /**
     * Opens a scope: ops submitted until it closes run only on {@code rank}. Scopes nest on the same rank only.
     * Close it before {@link #sync()} and {@link #close()}: a scope still open there is an error naming where it
     * was opened.
     *
     * @throws IllegalArgumentException when {@code rank} is outside {@code [0, size)} or another rank's scope is open
     */
    public Scope on(int rank) {
        checkProgramThread("on(" + rank + ")");
        if (rank < 0 || rank >= size()) {
            throw new IllegalArgumentException("rank " + rank + " out of range [0, " + size() + ")");
        }
        RankScope open = scopes.peek();
        if (open != null && open.rank != rank) {
            throw new IllegalArgumentException("cannot open a scope on rank " + rank + " inside the scope of rank "
                + open.rank + " (opened at " + open.openedAt + "): an op runs on one rank");
        }
        RankScope scope = new RankScope(rank, OpenedAt.caller());
        scopes.push(scope);
        engine.placement(rank);
        return scope;
    }

    /**
     * Runs {@code body} with a scope on {@code rank} open: the ops it submits run only there. The same as
     * {@code try (Scope s = bind.on(rank)) { body.run(); }}.
     */
    public void on(int rank, Runnable body) {
        try (Scope scope = on(rank)) {
            body.run();
        }
    }

    /**
     * Opens a priority scope: ops submitted until it closes get {@code priority} instead of their method's
     * {@code @Op(priority)}. Among ready ops, higher priorities run first; results never depend on it. Scopes
     * nest (the innermost wins).
     */
    public Scope priority(int priority) {
        checkProgramThread("priority(" + priority + ")");
        Integer previous = engine.priorityOverride();
        engine.priorityOverride(priority);
        return new Scope() {
            private boolean closed;

            @Override
            public void close() {
                if (!closed) {
                    closed = true;
                    engine.priorityOverride(previous);
                }
            }
        };
    }

    /**
     * Makes the latest version of each object readable on every rank ({@code toArray()}, {@code get()}), or, inside
     * {@code on(r)}, on rank {@code r}: a read that the runtime turns into the usual tree transfer, with no op to
     * write. Like an op call, every rank must make it at the same point of the program. The idiom for gathering
     * results: {@code bind.replicate(result); double[] all = result.toArray();}.
     */
    public void replicate(Versioned... objects) {
        checkProgramThread("replicate");
        engine.replicate(objects);
    }

    /**
     * The DAG of the current epoch (the ops submitted since the last {@link #sync()}), as this rank recorded it:
     * every rank records every op, wherever it runs. Recording starts with this call, or at {@code init} with
     * {@code -Dbind.dag=true} ({@link Context#recordDag}). {@code bind.dag().toDot(path)} writes it for Graphviz.
     */
    public Dag dag() {
        checkProgramThread("dag");
        return new Dag(this, engine.recordDag());
    }

    private final class RankScope implements Scope {
        private final int rank;
        private final OpenedAt openedAt;
        private boolean closed;

        RankScope(int rank, OpenedAt openedAt) {
            this.rank = rank;
            this.openedAt = openedAt;
        }

        @Override
        public void close() {
            if (closed || Bind.this.closed) {
                closed = true;
                return;
            }
            if (scopes.peek() != this) {
                throw new IllegalStateException("scope of rank " + rank + " (opened at " + openedAt
                    + ") closed out of order");
            }
            scopes.pop();
            engine.placement(scopes.isEmpty() ? Engine.COMMON : scopes.peek().rank);
            closed = true;
        }
    }

    /** Throws when a placement scope is still open at {@code what} (sync or close), naming where it was opened. */
    private void checkNoOpenScope(String what) {
        RankScope open = scopes.peek();
        if (open != null) {
            throw new IllegalStateException(what + " inside the scope of rank " + open.rank + " opened at "
                + open.openedAt + ": close the scope first (try-with-resources, or bind.on(rank, () -> ...))");
        }
    }

    /**
     * Waits until every op submitted so far has finished (on every rank), then throws
     * {@link OpFailedException} for the first op that failed since the previous sync, if any.
     */
    public void sync() {
        checkProgramThread("sync()");
        checkNoOpenScope("sync()");
        engine.sync();
    }

    /** Syncs and stops the workers. Idempotent. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        checkProgramThread("close()");
        IllegalStateException leftOpen = null;
        if (!scopes.isEmpty()) {
            try {
                checkNoOpenScope("close()");
            } catch (IllegalStateException e) {
                leftOpen = e;
            }
            scopes.clear();
            engine.placement(Engine.COMMON);
        }
        try {
            engine.close();
        } finally {
            closed = true;
            Instances.closed(this, engine);
        }
        if (leftOpen != null) {
            throw leftOpen;
        }
    }

    /**
     * Gives up on the job without the collective sync: the other ranks are told (their blocking calls fail
     * with "rank k gave up on the job: reason" instead of waiting for this rank), and workers and transport
     * stop. For a rank that cannot go on. Idempotent; then {@link #close()} does nothing more.
     */
    public void abort(String reason) {
        if (closed) {
            return;
        }
        try {
            engine.abort(reason);
        } finally {
            closed = true;
            Instances.closed(this, engine);
        }
    }

    /** Runtime counters: ops run, window stalls, steals, bytes live. */
    public Counters counters() {
        return engine.counters();
    }

    void checkProgramThread(String action) {
        checkProgramThread(engine, action);
    }

    static void checkProgramThread(ObjectOwner engine, String what) {
        Thread self = Thread.currentThread();
        if (self != engine.programThread()) {
            throw new IllegalStateException(what + ": called on thread " + self.getName()
                + ", but Bind was initialised on thread " + engine.programThread().getName()
                + "; the sequential program must run on one thread");
        }
        if (engine.isClosed()) {
            throw new IllegalStateException("Bind is closed: " + what);
        }
    }

    static Engine engineForNewObject(Class<?> type) {
        if (RunningOps.inOp()) {
            throw new IllegalStateException("cannot create a " + type.getSimpleName()
                + " inside an @Op method: create versioned objects in the sequential program");
        }
        Bind bind = Instances.ofProgramThread();
        if (bind == null) {
            Bind other = Instances.latestOpen();
            if (other != null) {
                checkProgramThread(other.engine, "creating a " + type.getSimpleName());
            }
            throw new IllegalStateException("cannot create a " + type.getSimpleName()
                + ": Bind is not initialised; call Bind.init(args) first");
        }
        if (bind.closed) {
            throw new IllegalStateException("cannot create a " + type.getSimpleName() + ": Bind is closed");
        }
        return bind.engine;
    }

    private static OpSink sinkFor(org.bind.intercept.OpMethod method) {
        Bind bind = Instances.ofProgramThread();
        if (bind == null) {
            Bind other = Instances.latestOpen();
            if (other != null) {
                checkProgramThread(other.engine, "op " + method.name());
            }
            throw new IllegalStateException("op " + method.name() + " called, but Bind is not initialised:"
                + " call Bind.init(args) first");
        }
        if (bind.closed) {
            throw new IllegalStateException("Bind is closed: cannot submit op " + method.name());
        }
        return bind.engine;
    }

    /**
     * Settings, with system-property overrides ({@code *_PROP_NAME}) and defaults ({@code *_DEFAULT}); fluent
     * setters; {@link #conclude()} validates once and yields the engine's immutable {@link EngineConfig}.
     */
    public static final class Context {
        public static final String WORKERS_PROP_NAME = "bind.workers";
        public static final String WINDOW_OPS_PROP_NAME = "bind.window.ops";
        public static final long WINDOW_OPS_DEFAULT = 1 << 16;
        public static final String WINDOW_BYTES_PROP_NAME = "bind.window.bytes";
        public static final String TRACE_PROP_NAME = "bind.trace";
        public static final String TRACE_EVENTS_PROP_NAME = "bind.trace.events";
        public static final long TRACE_EVENTS_DEFAULT = 2_000_000;
        public static final String PROGRESS_PROP_NAME = "bind.progress.ms";
        public static final String CHUNK_BYTES_PROP_NAME = "bind.chunk.bytes";
        public static final int CHUNK_BYTES_DEFAULT = 1 << 20;
        public static final String MAX_VERSION_BYTES_PROP_NAME = "bind.max.version.bytes";
        /** The largest {@code bind.max.version.bytes} can be: an encoded version is one Java array. */
        public static final long MAX_VERSION_BYTES_LIMIT = Integer.MAX_VALUE - 64;
        public static final String MAX_UNCLAIMED_BYTES_PROP_NAME = "bind.max.unclaimed.bytes";
        public static final String DAG_PROP_NAME = "bind.dag";

        private int workers = Integer.getInteger(WORKERS_PROP_NAME, 0);
        private long windowOps = Long.getLong(WINDOW_OPS_PROP_NAME, WINDOW_OPS_DEFAULT);
        private long windowBytes = Long.getLong(WINDOW_BYTES_PROP_NAME, 0L);
        private Path trace = System.getProperty(TRACE_PROP_NAME) == null ? null : Path.of(System.getProperty(TRACE_PROP_NAME));
        private long traceEvents = Long.getLong(TRACE_EVENTS_PROP_NAME, TRACE_EVENTS_DEFAULT);
        private long progressMs = Long.getLong(PROGRESS_PROP_NAME, 0L);
        /** 0: the transport's {@link Transport#preferredChunkBytes}, else {@link #CHUNK_BYTES_DEFAULT}. */
        private int chunkBytes = Integer.getInteger(CHUNK_BYTES_PROP_NAME, 0);
        private long maxVersionBytes = Long.getLong(MAX_VERSION_BYTES_PROP_NAME, defaultMaxVersionBytes());
        private long maxUnclaimedBytes = Long.getLong(MAX_UNCLAIMED_BYTES_PROP_NAME, 0L);
        private boolean recordDag = Boolean.getBoolean(DAG_PROP_NAME);
        private Transport transport;
        private long jobId;

        /**
         * The transport connecting this rank to the others (launchers set it); its rank and size become this
         * rank's. Default: none, a job of one rank.
         */
        public Context transport(Transport transport) {
            this.transport = transport;
            return this;
        }

        public Transport transport() {
            return transport;
        }

        /** Carried by every frame; frames of other jobs are dropped. Launchers set it. */
        public Context jobId(long id) {
            this.jobId = id;
            return this;
        }

        public long jobId() {
            return jobId;
        }

        /**
         * Versions larger than this travel in chunks of this many bytes, pipelined down trees; default (or 0): the
         * transport's {@link Transport#preferredChunkBytes}, else 1 MiB.
         */
        public Context chunkBytes(int bytes) {
            this.chunkBytes = bytes;
            return this;
        }

        public int chunkBytes() {
            if (chunkBytes != 0) {
                return chunkBytes;
            }
            int preferred = transport == null ? 0 : transport.preferredChunkBytes();
            return preferred > 0 ? preferred : CHUNK_BYTES_DEFAULT;
        }

        /**
         * The largest encoded version sent to or accepted from another rank; larger ones are refused before
         * allocation, with a message naming the object and this setting. Default: {@link #defaultMaxVersionBytes()};
         * property {@value #MAX_VERSION_BYTES_PROP_NAME}.
         */
        public Context maxVersionBytes(long bytes) {
            this.maxVersionBytes = bytes;
            return this;
        }

        public long maxVersionBytes() {
            return maxVersionBytes;
        }

        /**
         * Bytes of data that each peer may make this rank hold before anything here asked for it (versions of a
         * later epoch, or sent before this rank's program recorded the read); a peer that sends more is refused and
         * the job fails naming it. Default (0): a quarter of the heap, at least {@link #maxVersionBytes()}; property
         * {@value #MAX_UNCLAIMED_BYTES_PROP_NAME}.
         */
        public Context maxUnclaimedBytes(long bytes) {
            this.maxUnclaimedBytes = bytes;
            return this;
        }

        public long maxUnclaimedBytes() {
            return maxUnclaimedBytes;
        }

        /**
         * The default of {@code bind.max.version.bytes}: a quarter of this JVM's maximum heap (at least 1 MiB, at most
         * {@link #MAX_VERSION_BYTES_LIMIT}), so that what peers announce can never make a rank allocate past its heap.
         */
        public static long defaultMaxVersionBytes() {
            return Math.min(MAX_VERSION_BYTES_LIMIT, Math.max(1L << 20, Runtime.getRuntime().maxMemory() / 4));
        }

        /**
         * Writes a Chrome/Perfetto trace (one slice per op, one track per worker) to {@code file} at close; with
         * several ranks, {@code -rank<k>} is inserted before the extension. Default: none.
         */
        public Context trace(Path file) {
            this.trace = file;
            return this;
        }

        public Path trace() {
            return trace;
        }

        /** Slices kept per rank before further ones are dropped (and counted); default {@value #TRACE_EVENTS_DEFAULT}. */
        public Context traceEvents(long events) {
            this.traceEvents = events;
            return this;
        }

        public long traceEvents() {
            return traceEvents;
        }

        /** Period of a progress line on stderr (ops done / submitted); 0 (default) for none. */
        public Context progressMs(long periodMs) {
            this.progressMs = periodMs;
            return this;
        }

        public long progressMs() {
            return progressMs;
        }

        /** Worker threads per rank; default (0) = available processors. */
        /** Records each epoch's DAG from its first op, for {@link Bind#dag()} (default: from the call on). */
        public Context recordDag(boolean record) {
            this.recordDag = record;
            return this;
        }

        public boolean recordDag() {
            return recordDag;
        }

        public Context workers(int workers) {
            this.workers = workers;
            return this;
        }

        public int workers() {
            return workers;
        }

        /** Ops in flight before the program thread blocks; default {@value #WINDOW_OPS_DEFAULT}. */
        public Context windowOps(long ops) {
            this.windowOps = ops;
            return this;
        }

        public long windowOps() {
            return windowOps;
        }

        /** Bytes of live version buffers before the program thread blocks; default (0): a quarter of the heap. */
        public Context windowBytes(long bytes) {
            this.windowBytes = bytes;
            return this;
        }

        public long windowBytes() {
            return windowBytes;
        }

        /** Validates and fills defaults; returns the immutable configuration an engine is built from. */
        public EngineConfig conclude() {
            int workerThreads = workers == 0 ? Runtime.getRuntime().availableProcessors() : workers;
            long windowByteBudget = windowBytes == 0 ? Runtime.getRuntime().maxMemory() / 4 : windowBytes;
            int rankHere = transport == null ? 0 : transport.rank();
            int ranks = transport == null ? 1 : transport.size();
            int chunk = chunkBytes();
            if (chunk < 64) {
                throw new IllegalArgumentException("chunkBytes " + chunk + " must be at least 64");
            }
            if (maxVersionBytes < 1 || maxVersionBytes > MAX_VERSION_BYTES_LIMIT) {
                throw new IllegalArgumentException("maxVersionBytes " + maxVersionBytes + " out of range [1, "
                    + MAX_VERSION_BYTES_LIMIT + "]");
            }
            if (maxUnclaimedBytes < 0) {
                throw new IllegalArgumentException("maxUnclaimedBytes " + maxUnclaimedBytes + " is negative");
            }
            long unclaimedBound = maxUnclaimedBytes != 0 ? maxUnclaimedBytes
                : Math.max(maxVersionBytes, Runtime.getRuntime().maxMemory() / 4);
            if (ranks > 1 && (rankHere < 0 || rankHere >= ranks)) {
                throw new IllegalArgumentException("rank " + rankHere + " out of range [0, " + ranks + ")");
            }
            if (traceEvents < 0) {
                throw new IllegalArgumentException("traceEvents " + traceEvents + " is negative");
            }
            if (progressMs < 0) {
                throw new IllegalArgumentException("progressMs " + progressMs + " is negative");
            }
            if (workerThreads < 1 || workerThreads > 4096) {
                throw new IllegalArgumentException("workers " + workerThreads + " out of range [1, 4096]");
            }
            if (windowOps < 1) {
                throw new IllegalArgumentException("windowOps " + windowOps + " must be at least 1");
            }
            if (windowByteBudget < 1) {
                throw new IllegalArgumentException("windowBytes " + windowByteBudget + " must be at least 1");
            }
            return new EngineConfig(rankHere, ranks, workerThreads, windowOps, windowByteBudget, trace, traceEvents,
                progressMs, transport, jobId, chunk, maxVersionBytes, unclaimedBound, recordDag);
        }
    }
}
