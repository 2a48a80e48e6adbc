package org.bind.mpi.launch;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a job whose ranks share one JVM ({@code bin/bindrun --transport inproc}) under a time limit:
 * {@code InProcLauncher --time-limit DURATION [--] java [jvm options] Main [args]} starts that command with this
 * launcher's standard input, forwards its output and exits with its status; when the JVM outlives the limit the
 * {@link JobSupervisor} makes it print every thread's stacks (SIGQUIT: every rank is a thread of it), stops it,
 * and the launcher exits with {@value JobSupervisor#STATUS_TIME_LIMIT}. When the launcher is itself stopped, the
 * JVM is stopped with it.
 */
public final class InProcLauncher {
    private static final long STACK_DUMP_WAIT_MS = 2_000;
    private static final LaunchOptions TABLE = new LaunchOptions("InProcLauncher", "[--] java [jvm options] Main [args]",
        LaunchOptions.TIME_LIMIT);

    private InProcLauncher() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /**
     * Runs the command in {@code args}, its output forwarded to {@code out} and {@code err} line by line; returns its
     * status, 124 when it outlived the limit, 2 for bad arguments.
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        List<String> command = new ArrayList<>();
        long timeLimitMs;
        try {
            LaunchOptions.Parsed parsed = TABLE.parse(args);
            timeLimitMs = parsed.durationMs(LaunchOptions.TIME_LIMIT);
            command.add(parsed.mainClass());
            command.addAll(parsed.programArgs());
        } catch (IllegalArgumentException e) {
            err.println("bindrun: " + e.getMessage());
            err.println(TABLE.usage());
            return 2;
        }
        Process process;
        try {
            process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
        } catch (IOException e) {
            err.println("bindrun: cannot start " + command.get(0) + ": " + e.getMessage());
            return 1;
        }
        OutputPump pump = new OutputPump();
        pump.forward(process.getInputStream(), out, "", "bind-inproc-output");
        pump.forward(process.getErrorStream(), err, "", "bind-inproc-errors");
        Thread cleanup = new Thread(() -> JobSupervisor.destroy(List.of(process.toHandle())), "bind-inproc-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            JobSupervisor.Outcome outcome = new JobSupervisor(err, 0, timeLimitMs, STACK_DUMP_WAIT_MS)
                .supervise(new OneJvm(process));
            return switch (outcome) {
                case OUTLIVED -> JobSupervisor.STATUS_TIME_LIMIT;
                case INTERRUPTED -> 1;
                default -> process.exitValue();
            };
        } finally {
            JobSupervisor.destroy(List.of(process.toHandle()));
            pump.drain(JobSupervisor.DESTROY_WAIT_MS);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanup);
            } catch (IllegalStateException e) {
                // already exiting: the hook does the same clean-up
            }
        }
    }

    /** The one JVM: it fails only by ending, which ends the job. */
    private record OneJvm(Process process) implements JobSupervisor.Job {
        @Override
        public boolean awaitEnd(long timeoutMs) throws InterruptedException {
            return process.waitFor(timeoutMs, TimeUnit.MILLISECONDS);
        }

        @Override
        public JobSupervisor.Failure failure() {
            return null;
        }

        @Override
        public void dumpStacks() {
            JobSupervisor.signal("QUIT", process.pid());
        }

        @Override
        public void stop() {
            JobSupervisor.destroy(List.of(process.toHandle()));
        }
    }
}
