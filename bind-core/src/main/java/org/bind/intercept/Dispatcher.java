package org.bind.intercept;

/**
 * Where woven {@code @Op} calls land ({@link OpEntry}). Called by woven code in user classes, so it is public; not
 * for users.
 */
public final class Dispatcher {
    /** Per thread: the op it runs (null in sequential code) and its reusable {@link OpCall}. */
    private static final class ThreadState {
        RunningOp running;
        final OpCall call = new OpCall();
    }

    private static final ThreadLocal<ThreadState> STATE = ThreadLocal.withInitial(ThreadState::new);
    private static volatile OpSink.Locator locator = method -> {
        throw new IllegalStateException("op " + method.name() + " called, but Bind is not initialised");
    };

    private Dispatcher() {
    }

    /** Set once by the runtime: finds the sink for calls from the current thread. */
    public static void locator(OpSink.Locator sinks) {
        locator = sinks;
    }

    /**
     * A woven op was called. Returns the thread's {@link OpCall}, started, when the call is to be recorded (the
     * woven code passes the arguments, submits and skips the body); null when the body must run now (the call
     * comes from inside a running op).
     */
    public static OpCall call(int opId, Class<?> declaringType, Object self) {
        OpMethod method = OpRegistry.resolve(opId, declaringType);
        ThreadState state = STATE.get();
        if (state.running != null) {
            if (method.misuse() != null) {
                throw new org.bind.BindException(method.misuse());
            }
            return null;
        }
        return state.call.start(method, self, locator.sinkFor(method));
    }

    /** The op the current thread is running, or null. */
    public static RunningOp runningOp() {
        return STATE.get().running;
    }

    /** Marks the current thread as running {@code op}; returns what it ran before (for nesting). */
    public static RunningOp enterOp(RunningOp op) {
        ThreadState state = STATE.get();
        RunningOp previous = state.running;
        state.running = op;
        return previous;
    }

    /** Restores the state saved by {@link #enterOp}. */
    public static void exitOp(RunningOp previous) {
        STATE.get().running = previous;
    }
}
