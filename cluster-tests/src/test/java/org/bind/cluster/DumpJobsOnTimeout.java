package org.bind.cluster;

import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * When a test or a {@code @BeforeAll} method fails by {@code @Timeout} (a {@link TimeoutException} anywhere in the
 * cause chain): prints this JVM's threads, makes every rank JVM below this one print its stacks (SIGQUIT), prints
 * what every running {@link ClusterJob} captured (the rank dumps included), then kills the ranks, and rethrows.
 */
final class DumpJobsOnTimeout implements TestExecutionExceptionHandler, LifecycleMethodExecutionExceptionHandler {
    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable error) throws Throwable {
        handleTestExecutionException(context, error);
    }

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable error) throws Throwable {
        if (isTimeout(error, 0)) {
            StringBuilder dump = new StringBuilder("=== " + context.getDisplayName()
                + " timed out: threads of the test JVM ===\n");
            Thread.getAllStackTraces().entrySet().stream()
                .sorted(Comparator.comparing((Map.Entry<Thread, StackTraceElement[]> e) -> e.getKey().getName()))
                .forEach(e -> {
                    dump.append('"').append(e.getKey().getName()).append("\" ").append(e.getKey().getState()).append('\n');
                    for (StackTraceElement frame : e.getValue()) {
                        dump.append("    at ").append(frame).append('\n');
                    }
                });
            System.err.println(dump);
            ClusterJob.dumpAndKill();
            for (ClusterJob job : ClusterJob.RUNNING) {
                System.err.println("=== a job still running at the timeout ===\n" + job.report());
            }
        }
        throw error;
    }

    private static boolean isTimeout(Throwable error, int depth) {
        if (error == null || depth > 16) {
            return false;
        }
        if (error instanceof TimeoutException) {
            return true;
        }
        for (Throwable suppressed : error.getSuppressed()) {
            if (isTimeout(suppressed, depth + 1)) {
                return true;
            }
        }
        return isTimeout(error.getCause(), depth + 1);
    }
}
