package org.bind.mpi.launch;

import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Waits of the launch tests that fail with every thread's stack when they time out. */
final class Threads {
    private Threads() {
    }

    /** {@code future}'s value; an {@link AssertionError} with every thread's stack after {@code seconds}. */
    static <T> T await(CompletableFuture<T> future, long seconds) throws InterruptedException, ExecutionException {
        try {
            return future.get(seconds, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("nothing within " + seconds + " s; threads:\n" + dump(), e);
        }
    }

    /** Every live thread's name, state and stack. */
    static String dump() {
        StringBuilder dump = new StringBuilder();
        for (Map.Entry<Thread, StackTraceElement[]> entry : Thread.getAllStackTraces().entrySet()) {
            dump.append('"').append(entry.getKey().getName()).append("\" ").append(entry.getKey().getState()).append('\n');
            for (StackTraceElement frame : entry.getValue()) {
                dump.append("    at ").append(frame).append('\n');
            }
        }
        return dump.toString();
    }
}
