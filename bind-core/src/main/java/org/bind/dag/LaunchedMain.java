package org.bind.dag;

import java.util.ArrayList;
import java.util.List;

/**
 * A rank's {@code main}, run by a launcher, so that an exception escaping it reaches the other ranks as what it
 * is: "rank 1 gave up on the job: main threw java.lang.IllegalStateException: no input" rather than a DAG
 * divergence.
 *
 * <p>The difficulty is the program's own {@code try (Bind bind = Bind.init(args)) { ... }}: when main throws, the
 * close runs first, and its collective sync meets peers that went on submitting ops. So, for the engines started
 * by a launched main:
 * <ul>
 *   <li>{@code close()} marks its {@code SYNC} as closing; if that sync fails (the peers disagree on the ops, or
 *       one of them gave up on this rank), the transport stays open after the close;</li>
 *   <li>when main has ended, {@link #run} sends the peers a last word over it (an {@code ABORT}): "main threw
 *       X: message" when main threw something other than that sync's own failure, else that main ended after
 *       the job failed; then it closes the transport; an engine main left open is aborted with the reason;</li>
 *   <li>a peer whose sync fails against a closing {@code SYNC} waits for that last word
 *       ({@link EpochSync#FINAL_WORD_WAIT_MS} at most) and reports a thrown main in place of the divergence.</li>
 * </ul>
 *
 * <p>Program thread only.
 */
public final class LaunchedMain {
    /** What a launcher runs: the program's main. */
    @FunctionalInterface
    public interface Body {
        void run() throws Throwable;
    }

    private static final ThreadLocal<LaunchedMain> CURRENT = new ThreadLocal<>();

    private final List<Engine> engines = new ArrayList<>();

    private LaunchedMain() {
    }

    /**
     * Runs {@code main} on the calling thread as a rank's main; when it throws, tells the peers of every job it
     * joined which exception, then rethrows it.
     */
    public static void run(Body main) throws Throwable {
        LaunchedMain launched = new LaunchedMain();
        LaunchedMain outer = CURRENT.get();
        CURRENT.set(launched);
        Throwable thrown = null;
        try {
            main.run();
        } catch (Throwable t) {
            thrown = t;
            throw t;
        } finally {
            if (outer == null) {
                CURRENT.remove();
            } else {
                CURRENT.set(outer);
            }
            for (Engine engine : launched.engines) {
                engine.onMainEnded(thrown);
            }
        }
    }

    /** Called as an engine starts on the program thread: whether a launched main owns it (then it is recorded). */
    static boolean adopt(Engine engine) {
        LaunchedMain launched = CURRENT.get();
        if (launched == null) {
            return false;
        }
        launched.engines.add(engine);
        return true;
    }

    /** "main threw java.lang.IllegalStateException: message", the reason peers are given. */
    static String mainThrew(Throwable thrown) {
        String message = thrown.getMessage();
        return MAIN_THREW + thrown.getClass().getName() + (message == null ? "" : ": " + message);
    }

    static final String MAIN_THREW = "main threw ";
}
