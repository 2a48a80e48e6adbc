package org.bind.mpi.launch;

import java.util.concurrent.TimeUnit;

/**
 * Ends a rank's JVM that is on its way out but does not get there: once armed, a daemon thread halts the JVM with
 * the given status after {@value #DEADLINE_MS_PROP_NAME} ms (default {@value #DEADLINE_MS_DEFAULT}) unless it has
 * ended before. {@code System.exit} runs shutdown hooks and waits for them; a hook, or the thread the exit waits
 * for, may be stuck in a write that nobody reads (a node cut off from the network) or a peer that no longer answers.
 * A rank that has given up on its job must still end, so that its node is free and nothing waits for it.
 *
 * <p>Any thread; the first {@link #arm} wins.
 */
final class ExitDeadline {
    public static final String DEADLINE_MS_PROP_NAME = "bind.launch.exit.deadline.ms";
    public static final long DEADLINE_MS_DEFAULT = 5_000;
    private static boolean armed;

    private ExitDeadline() {
    }

    /** Halts this JVM with {@code status} after the deadline, saying why ({@code rank}, {@code what}) on stderr. */
    static synchronized void arm(String rank, int status, String what) {
        if (armed) {
            return;
        }
        armed = true;
        long deadlineMs = Long.getLong(DEADLINE_MS_PROP_NAME, DEADLINE_MS_DEFAULT);
        if (deadlineMs < 1) {
            throw new IllegalArgumentException(DEADLINE_MS_PROP_NAME + "=" + deadlineMs + " must be positive");
        }
        Thread watch = new Thread(() -> {
            try {
                TimeUnit.MILLISECONDS.sleep(deadlineMs);
            } catch (InterruptedException e) {
                return;
            }
            // System.err is the rank's forwarder (RankOutput), which never blocks: this line is queued or dropped
            System.err.println("bind: rank " + rank + ": " + what + ", but the JVM had not ended " + deadlineMs
                + " ms later (" + DEADLINE_MS_PROP_NAME + "); halting with status " + status);
            RankOutput.finishInstalled();   // the line is queued: written first unless the output is stuck
            Runtime.getRuntime().halt(status);
        }, "bind-exit-deadline");
        watch.setDaemon(true);
        watch.start();
    }
}
