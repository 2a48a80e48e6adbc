package org.bind.testing;

import java.io.PrintStream;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Prints the stacks of every thread to stderr when a test or lifecycle method fails with a
 * {@link TimeoutException} anywhere in its cause chain (what {@code @Timeout} throws), then rethrows it.
 * Use it on every concurrent test class: {@code @ExtendWith(DumpStacksOnTimeout.class)}.
 */
public final class DumpStacksOnTimeout implements TestExecutionExceptionHandler,
    LifecycleMethodExecutionExceptionHandler {

    @Override
    public void handleTestExecutionException(ExtensionContext context, Throwable error) throws Throwable {
        throw dumpIfTimeout(context.getDisplayName(), error, System.err);
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable error) throws Throwable {
        throw dumpIfTimeout("@BeforeAll of " + context.getDisplayName(), error, System.err);
    }

    @Override
    public void handleBeforeEachMethodExecutionException(ExtensionContext context, Throwable error)
        throws Throwable {
        throw dumpIfTimeout("@BeforeEach of " + context.getDisplayName(), error, System.err);
    }

    @Override
    public void handleAfterEachMethodExecutionException(ExtensionContext context, Throwable error) throws Throwable {
        throw dumpIfTimeout("@AfterEach of " + context.getDisplayName(), error, System.err);
    }

    @Override
    public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable error) throws Throwable {
        throw dumpIfTimeout("@AfterAll of " + context.getDisplayName(), error, System.err);
    }

    /** Dumps every thread's stack to {@code out} when {@code error} stems from a timeout; returns {@code error}. */
    static Throwable dumpIfTimeout(String testName, Throwable error, PrintStream out) {
        if (isTimeout(error, 0)) {
            ThreadDumps.print(testName + " timed out: " + error.getMessage(), out);
        }
        return error;
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
