package org.bind.dag;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.ForkJoinTask;

import org.bind.intercept.Dispatcher;
import org.bind.intercept.OpMethod;
import org.bind.intercept.RunningOp;
import org.bind.schedule.Prioritized;
import org.bind.schedule.Scheduler;
import org.bind.trace.Tracer;
import org.bind.version.BufferPool;
import org.bind.version.BufferType;
import org.bind.version.Failure;
import org.bind.version.Tracked;
import org.bind.version.Version;
import org.bind.version.VersionWaiter;

/**
 * One recorded op call: the method, the captured arguments (references and primitives apart, in
 * {@link org.bind.intercept.OpCall}'s layout) and, per distinct versioned argument, the version
 * it reads and the version it writes. Becomes runnable when its last pending input is done.
 *
 * <p>Built by the program thread; run by one worker; {@link #onVersionDone} from completing threads.
 */
final class OpNode extends ForkJoinTask<Void> implements VersionWaiter, Prioritized, RunningOp {
    private static final long serialVersionUID = 1L;
    private static final VarHandle PENDING;
    private static final Version[] NO_VERSIONS = new Version[0];
    private static final Object[] NO_BUFFERS = new Object[0];
    private static final Tracked[] NO_OBJECTS = new Tracked[0];
    private static final Access[] NO_ACCESS = new Access[0];
    /** The program thread's guard on {@link #pending}: more than any op's inputs, so no waiter reaches 0 before it. */
    private static final int UNSUBMITTED = 1 << 30;

    static {
        try {
            PENDING = MethodHandles.lookup().findVarHandle(OpNode.class, "pending", int.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final transient OpHost engine;
    private transient OpMethod method;
    long sequence;
    private int priority;
    private transient Object receiver;
    private transient Object[] arguments;
    private transient long[] primitives;
    private transient Tracked[] objects = NO_OBJECTS;
    private transient Access[] access = NO_ACCESS;
    private transient Version[] inputs = NO_VERSIONS;
    private transient Version[] outputs = NO_VERSIONS;
    private transient Object[] buffers = NO_BUFFERS;
    private transient long[] reserved;
    private transient Version orderIn;
    private transient Version orderOut;
    /**
     * Inputs not done yet, plus {@link #UNSUBMITTED} while the program thread is still binding: a waiter counts down
     * one, {@link #finishSubmission} the guard less the waiters registered; whoever reaches 0 schedules the op.
     */
    private volatile int pending;
    /** Waiters this op registered while being bound. Program thread only. */
    private int waiting;

    /** An empty node of {@code engine}'s ops, filled by {@link #prepare}. */
    OpNode(OpHost engine) {
        this.engine = engine;
    }

    /**
     * Fills this new node for one call: moves the objects {@code found} collected into the node's arrays and clears
     * {@code found}. The program thread holds the {@link #UNSUBMITTED} guard until {@link #finishSubmission}.
     * Program thread, before the node is published.
     */
    void prepare(OpMethod method, long sequence, int priority, Object receiver, Object[] arguments, long[] primitives,
                 OpObjects found) {
        this.method = method;
        this.sequence = sequence;
        this.priority = priority;
        this.receiver = receiver;
        this.arguments = arguments;
        this.primitives = primitives;
        int n = found.count();
        if (n > 0) {
            objects = new Tracked[n];
            access = new Access[n];
            inputs = new Version[n];
            outputs = new Version[n];
            found.moveTo(objects, access); // buffers: allocated by the worker that runs the op (exec)
        }
        PENDING.set(this, UNSUBMITTED); // plain: published by the first waiter's CAS, or with the node
        waiting = 0;
    }

    /** The objects this op touches, one per distinct argument. Program thread, while submitting. */
    Tracked[] objects() {
        return objects;
    }

    /** The access of each of {@link #objects()}. Program thread, while submitting. */
    Access[] accessModes() {
        return access;
    }

    /** The runtime this op belongs to. */
    OpHost host() {
        return engine;
    }

    @Override
    public OpMethod method() {
        return method;
    }

    @Override
    public int priority() {
        return priority;
    }

    @Override
    public long sequence() {
        return sequence;
    }

    /**
     * Binds {@code version} as input {@code index}; {@code held}: the caller handed this op a hold on it already
     * (the latest-hold, {@link org.bind.version.VersionChain#supersedeHandingOver}), else the op takes one.
     */
    void bindInput(int index, Version version, boolean held) {
        inputs[index] = version;
        waitFor(version, held);
    }

    /**
     * Orders this op after the previous op on its plain receiver: its latest order version ({@link ReceiverOrder}),
     * whose latest-hold the caller hands to this op.
     */
    void bindOrderInput(Version previous) {
        orderIn = previous;
        waitFor(previous, true);
    }

    /** The receiver's next order version, which this op completes when it finishes (or fails). */
    void bindOrderOutput(Version next) {
        orderOut = next;
    }

    private void waitFor(Version version, boolean held) {
        if (!held) {
            version.addHold();
        }
        if (!version.isDone() && version.addWaiter(this)) {
            waiting++; // counted against the guard at finishSubmission: no atomic per input here
        }
    }

    void bindOutput(int index, Version version) {
        outputs[index] = version;
        long bytes = version.type().reservedBytes();
        if (bytes > 0) {
            if (reserved == null) {
                reserved = new long[outputs.length];
            }
            reserved[index] = bytes;
            engine.addBytes(bytes); // the output's buffer, reserved now so that the window bounds it
        }
    }

    /** Settles output {@code i}'s reservation against the {@code actual} bytes it now counts (0 when taken over). */
    private void settle(int i, long actual) {
        long booked = reserved == null ? 0 : reserved[i];
        if (reserved != null) {
            reserved[i] = 0;
        }
        if (actual != booked) {
            engine.addBytes(actual - booked);
        }
    }

    /**
     * Drops the program thread's guard; true when the op is ready to run. An op that registered no waiter is known
     * to no other thread yet, so nothing has counted down and no atomic is needed.
     */
    boolean finishSubmission() {
        if (waiting == 0) {
            return true;
        }
        int guard = UNSUBMITTED - waiting; // what is left once every registered waiter has counted down
        return (int) PENDING.getAndAdd(this, -guard) == guard;
    }

    @Override
    public void onVersionDone(Version version) {
        if ((int) PENDING.getAndAdd(this, -1) == 1) {
            engine.schedule(this);
        }
    }

    /** The buffer bound to {@code object} in this op, or null when the object is not one of its arguments. */
    @Override
    public Object bufferOf(Tracked object) {
        Tracked[] bound = objects;
        for (int i = 0; i < bound.length; i++) {
            if (bound[i] == object) {
                return buffers[i];
            }
        }
        return null;
    }

    @Override
    public boolean writes(Tracked object) {
        for (int i = 0; i < objects.length; i++) {
            if (objects[i] == object) {
                return access[i].writes();
            }
        }
        return false;
    }

    @Override
    protected boolean exec() {
        BufferPool pool = BufferPool.ofCurrentThread();
        Tracer tracer = engine.tracer();
        long startNs = tracer == null ? 0 : System.nanoTime();
        if (objects.length > 0) {
            buffers = new Object[objects.length]; // here, not at submission: one allocation less for the program thread
        }
        Failure failure = inputFailure();
        boolean ran = false;
        if (failure == null) {
            try {
                bindBuffers(pool);
                RunningOp previous = Dispatcher.enterOp(this);
                try {
                    if (engine.checked()) {
                        AccessCheck.run(method, receiver, arguments, primitives, objects, access, inputs, outputs,
                            buffers);
                    } else {
                        method.invoke(receiver, arguments, primitives);
                    }
                } finally {
                    Dispatcher.exitOp(previous);
                }
                ran = true;
            } catch (Throwable t) {
                failure = engine.onOpFailed(this, t);
            }
        } else {
            failure = engine.onOpSkipped(this, failure);
        }
        if (tracer != null) {
            tracer.record(ran ? method.name() : method.name() + (failure.opName().equals(method.name())
                ? " (failed)" : " (skipped)"), touched(), startNs, System.nanoTime());
        }
        try {
            finish(ran ? null : failure, pool);
        } finally {
            Scheduler.afterTask(); // last: runs the op this one made ready first, may linger for more (finished node)
        }
        return true;
    }

    /** The objects this op touched with their access, for its trace slice: {@code "A(3,4) in, C#7 rw"}. */
    private String touched() {
        if (objects.length == 0) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < objects.length; i++) {
            if (i > 0) {
                b.append(", ");
            }
            b.append(objects[i].name()).append(switch (access[i]) {
                case READ -> " in";
                case WRITE -> " out";
                case READ_WRITE -> " rw";
            });
        }
        return b.toString();
    }

    private Failure inputFailure() {
        for (Version input : inputs) {
            if (input != null && input.isFailed()) {
                return input.failure();
            }
        }
        return orderIn != null && orderIn.isFailed() ? orderIn.failure() : null;
    }

    private void bindBuffers(BufferPool pool) {
        for (int i = 0; i < objects.length; i++) {
            Version in = inputs[i];
            Version out = outputs[i];
            if (out == null) {
                buffers[i] = in.buffer();
            } else if (in == null) {
                BufferType<Object> type = out.type();
                buffers[i] = engine.freshBuffer(type, pool);
                settle(i, type.bytes(buffers[i]));
            } else {
                Object taken = in.tryTakeOver();
                if (taken != null) {
                    inputs[i] = null; // its hold went with the buffer, and so did its counted bytes
                    buffers[i] = taken;
                    settle(i, 0);
                    engine.countInPlace();
                } else {
                    BufferType<Object> type = out.type();
                    Object target = engine.recycledBuffer(type, pool);
                    buffers[i] = type.copy(in.buffer(), target);
                    settle(i, type.bytes(buffers[i]));
                    engine.countCopy();
                }
            }
        }
    }

    private void finish(Failure failure, BufferPool pool) {
        for (int i = 0; i < outputs.length; i++) {
            Version out = outputs[i];
            if (out == null) {
                continue;
            }
            if (failure == null) {
                out.complete(buffers[i], pool, engine);
            } else {
                if (buffers[i] != null) { // taken over, copied or fresh: counted when bound, dropped now
                    engine.addBytes(-out.type().bytes(buffers[i]));
                    out.type().discard(buffers[i]);
                }
                settle(i, 0); // a reservation never bound to a buffer
                out.fail(failure, pool, engine);
            }
        }
        for (Version in : inputs) {
            if (in != null) {
                in.releaseHold(pool, engine);
            }
        }
        if (orderOut != null) {
            if (failure == null) {
                orderOut.complete(ReceiverOrder.token(), pool, engine);
            } else {
                orderOut.fail(failure, pool, engine);
            }
            orderIn.releaseHold(pool, engine);
            orderIn = null;
            orderOut = null;
        }
        receiver = null;
        // Nothing of this call stays reachable through the node: a ring slot may keep the node a while
        arguments = null;
        primitives = null;
        objects = NO_OBJECTS;
        access = NO_ACCESS;
        inputs = NO_VERSIONS;
        outputs = NO_VERSIONS;
        buffers = NO_BUFFERS;
        reserved = null;
        engine.onOpDone();
    }

    @Override
    public Void getRawResult() {
        return null;
    }

    @Override
    protected void setRawResult(Void value) {
    }

    @Override
    public String toString() {
        return method.name() + " #" + sequence;
    }
}
