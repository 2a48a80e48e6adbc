package org.bind.testing;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a task on a fresh thread and waits for it at most a given time: for code that JUnit's {@code @Timeout}
 * does not cover (jqwik properties). On timeout it dumps every thread's stack to stderr and fails; the stuck
 * thread is left behind (it is a daemon).
 */
public final class Deadline {
    private Deadline() {
    }

    /** Runs {@code task} on a new daemon thread named {@code name}; returns its result or rethrows its failure. */
    public static <T> T run(String name, Duration limit, Callable<T> task) throws Exception {
        FutureTask<T> future = new FutureTask<>(task);
        Thread thread = new Thread(future, name);
        thread.setDaemon(true);
        thread.start();
        try {
            return future.get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            ThreadDumps.print(name + " did not finish within " + limit, System.err);
            AssertionError failure = new AssertionError(name + " did not finish within " + limit
                + " (stacks of all threads on stderr)");
            failure.initCause(e);
            throw failure;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof Exception exception) {
                throw exception;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw e;
        }
    }
}
