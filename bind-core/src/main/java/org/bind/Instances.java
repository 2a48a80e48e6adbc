package org.bind;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.bind.dag.Engine;
import org.bind.dag.RunningOps;

/**
 * The registry of {@link Bind} instances of this JVM: the one each program thread initialised, the one each
 * running op belongs to (by its engine), and the one opened last (named in messages to threads that have none).
 *
 * <p>Any thread.
 */
final class Instances {
    private static final ThreadLocal<Bind> PROGRAM = new ThreadLocal<>();
    private static final Map<Engine, Bind> OPEN = new ConcurrentHashMap<>();
    private static volatile Bind latest;

    private Instances() {
    }

    /** {@code bind}, running {@code engine}, was initialised on the current thread. */
    static void opened(Bind bind, Engine engine) {
        OPEN.put(engine, bind);
        PROGRAM.set(bind);
        latest = bind;
    }

    /** {@code bind} was closed or aborted. The program thread keeps it, closed, until it initialises another. */
    static void closed(Bind bind, Engine engine) {
        OPEN.remove(engine);
        if (latest == bind) {
            latest = null;
        }
    }

    /** The instance the current thread initialised (perhaps closed), or null. */
    static Bind ofProgramThread() {
        return PROGRAM.get();
    }

    /** The instance of the current program thread, else of the op running on it, else the one opened last; or null. */
    static Bind find() {
        Bind bind = PROGRAM.get();
        if (bind == null) {
            Engine running = RunningOps.ofRunningOp();
            bind = running != null ? OPEN.get(running) : latest;
        }
        return bind;
    }

    /** The instance opened last and still open, or null: named when another thread misuses it. */
    static Bind latestOpen() {
        Bind bind = latest;
        return bind == null || bind.isClosed() ? null : bind;
    }
}
