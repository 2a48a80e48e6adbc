package org.bind.intercept;

/**
 * Where woven {@code @Op} calls land. Called by woven code in user classes, so it is public; not for users.
 */
public final class Dispatcher {
    private static final ThreadLocal<RunningOp> RUNNING = new ThreadLocal<>();
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
     * A woven op was called. Returns true when the call was recorded (the body is skipped), false when the body
     * must run now (the call comes from inside a running op).
     */
    public static boolean onCall(int opId, Class<?> declaringType, Object self, Object[] arguments) {
        OpMethod method = OpRegistry.resolve(opId, declaringType);
        if (RUNNING.get() != null) {
            if (method.misuse() != null) {
                throw new org.bind.BindException(method.misuse());
            }
            return false;
        }
        locator.sinkFor(method).submit(method, self, arguments);
        return true;
    }

    /** The op the current thread is running, or null. */
    public static RunningOp runningOp() {
        return RUNNING.get();
    }

    /** Marks the current thread as running {@code op}; returns what it ran before (for nesting). */
    public static RunningOp enterOp(RunningOp op) {
        RunningOp previous = RUNNING.get();
        RUNNING.set(op);
        return previous;
    }

    /** Restores the state saved by {@link #enterOp}. */
    public static void exitOp(RunningOp previous) {
        RUNNING.set(previous);
    }
}
