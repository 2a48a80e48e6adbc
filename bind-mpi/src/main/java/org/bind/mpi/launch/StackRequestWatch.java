package org.bind.mpi.launch;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A rank's side of the launcher's time limit when the launcher cannot signal the rank (MPJ's daemons start the
 * ranks, on other hosts with {@code --machines}): a daemon thread looks every {@value #POLL_MS} ms for the
 * {@linkplain StatusDirectory#STACKS_FILE stacks file} in the job's status directory; when it appears, the rank
 * prints every thread's stacks (in the form of the JVM's own thread dump) on its standard output and exits with
 * {@value JobSupervisor#STATUS_TIME_LIMIT}.
 */
final class StackRequestWatch {
    static final long POLL_MS = 200;

    private StackRequestWatch() {
    }

    /** Starts watching {@code statusDir} for this rank ({@code rank} names it in the dump's header). */
    static void start(Path statusDir, String rank) {
        Path request = statusDir.resolve(StatusDirectory.STACKS_FILE);
        Thread watch = new Thread(() -> {
            try {
                while (!Files.exists(request)) {
                    TimeUnit.MILLISECONDS.sleep(POLL_MS);
                }
            } catch (InterruptedException e) {
                return;
            }
            print(System.out, "rank " + rank + ": the job outlived its time limit");
            System.err.flush();
            RankOutput.finishInstalled();   // the dump is queued (RankOutput): written before the halt, within a bound
            Runtime.getRuntime().halt(JobSupervisor.STATUS_TIME_LIMIT);
        }, "bind-launch-stack-request");
        watch.setDaemon(true);
        watch.start();
    }

    /** Prints every live thread's name, state and whole stack to {@code target}, as one block. */
    static void print(PrintStream target, String why) {
        StringBuilder dump = new StringBuilder("Full thread dump (" + why + "):\n");
        for (Map.Entry<Thread, StackTraceElement[]> entry : Thread.getAllStackTraces().entrySet()) {
            Thread thread = entry.getKey();
            dump.append('\n').append('"').append(thread.getName()).append('"').append(" #").append(thread.getId())
                .append(thread.isDaemon() ? " daemon" : "").append(" prio=").append(thread.getPriority()).append('\n')
                .append("   java.lang.Thread.State: ").append(thread.getState()).append('\n');
            for (StackTraceElement frame : entry.getValue()) {
                dump.append("\tat ").append(frame).append('\n');
            }
        }
        target.print(dump);
        target.flush();
    }
}
