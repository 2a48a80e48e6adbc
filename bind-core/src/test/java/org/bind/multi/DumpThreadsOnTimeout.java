package org.bind.multi;

import org.bind.transport.inproc.InProcJob;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.PreInterruptCallback;
import org.junit.jupiter.api.extension.PreInterruptContext;

/** Prints every thread's stack when a test runs past its {@code @Timeout}, before JUnit interrupts it. */
public final class DumpThreadsOnTimeout implements PreInterruptCallback {
    @Override
    public void beforeThreadInterrupt(PreInterruptContext context, ExtensionContext test) {
        System.err.println("---- " + test.getDisplayName() + " timed out; interrupting "
            + context.getThreadToInterrupt().getName());
        InProcJob.dumpThreads();
    }
}
