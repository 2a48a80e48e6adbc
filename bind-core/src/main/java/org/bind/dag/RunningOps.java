package org.bind.dag;

import org.bind.intercept.Dispatcher;
import org.bind.intercept.RunningOp;
import org.bind.version.Tracked;

/** The op running on the current thread, as versioned objects and the entry point ask about it. Any thread. */
public final class RunningOps {
    private RunningOps() {
    }

    /**
     * The buffer bound to {@code object} in the op running on this thread. Throws {@link IllegalStateException}
     * naming the object outside ops, or when the object is not an argument of the running op, or (with
     * {@code write}) when the op only reads it. Asks for the object's name only to throw: the name lives on the
     * object's version chain, whose line the program thread writes at every new version.
     */
    public static Object boundBuffer(Tracked object, boolean write) {
        RunningOp op = Dispatcher.runningOp();
        if (op == null) {
            throw new IllegalStateException(object.name() + ": data() is only available inside an @Op method;"
                + " outside ops use toArray() (or get() for Shared)");
        }
        Object buffer = op.bufferOf(object);
        if (buffer == null) {
            throw new IllegalStateException(object.name() + " is not an argument of the running op "
                + op.method().name() + ": pass it as a parameter");
        }
        if (write && !op.writes(object)) {
            throw new IllegalStateException(object.name() + " is read-only (@In) in op " + op.method().name());
        }
        return buffer;
    }

    /** Whether the current thread is running an op. */
    public static boolean inOp() {
        return Dispatcher.runningOp() != null;
    }

    /** The engine of the op running on this thread, or null. */
    public static Engine ofRunningOp() {
        return Dispatcher.runningOp() instanceof OpNode op && op.host() instanceof RankHost own ? own.engine() : null;
    }
}
