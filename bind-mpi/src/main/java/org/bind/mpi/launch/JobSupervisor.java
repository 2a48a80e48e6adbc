package org.bind.mpi.launch;

import java.io.IOException;
import java.io.PrintStream;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Watches a running job for the launchers, with the same rules for all of them: after the first failure the other
 * ranks get a grace period to notice the loss and fail on their own, then the job is stopped; a job that outlives
 * its time limit has every rank print its stacks, then is stopped ({@link #STATUS_TIME_LIMIT}, as timeout(1)).
 * What "a rank failed", "print your stacks" and "stop" mean is the launcher's ({@link Job}).
 */
final class JobSupervisor {
    /** The launcher's status when the job outlived its time limit. */
    static final int STATUS_TIME_LIMIT = 124;
    /** How often the job is polled. */
    private static final long POLL_MS = 20;
    /** How long processes are given to end after SIGTERM before SIGKILL. */
    static final long DESTROY_WAIT_MS = 3_000;

    /** How supervision ended. */
    enum Outcome {
        /** Every rank ended on its own (failed or not). */
        ENDED,
        /** A rank failed and the job was stopped (at once, or after the others' grace period). */
        STOPPED_AFTER_FAILURE,
        /** The job outlived its time limit: its stacks were printed and it was stopped. */
        OUTLIVED,
        /** The supervising thread was interrupted; the job is left to the launcher's clean-up. */
        INTERRUPTED
    }

    /** A failure the launcher saw: what to print, and whether to stop the job at once instead of after the grace. */
    record Failure(String message, boolean stopNow) {
    }

    /** The launcher's side: called on the supervising thread only. */
    interface Job {
        /** Waits up to {@code timeoutMs} for every rank to end; true when they have. */
        boolean awaitEnd(long timeoutMs) throws InterruptedException;

        /** The first failure seen, or null; asked until it answers. */
        Failure failure();

        /** Makes every running rank print its stacks (they reach the launcher's output). */
        void dumpStacks();

        /** Stops every rank still running. */
        void stop();
    }

    private final PrintStream err;
    private final long graceMs;
    private final long timeLimitMs;
    private final long stackDumpWaitMs;

    /**
     * {@code graceMs}: how long the others may run after a failure; {@code timeLimitMs}: 0 for none;
     * {@code stackDumpWaitMs}: how long the stacks may take to arrive before the job is stopped.
     */
    JobSupervisor(PrintStream err, long graceMs, long timeLimitMs, long stackDumpWaitMs) {
        this.err = err;
        this.graceMs = graceMs;
        this.timeLimitMs = timeLimitMs;
        this.stackDumpWaitMs = stackDumpWaitMs;
    }

    /** Watches {@code job} until it ends or is stopped. The launcher's thread. */
    Outcome supervise(Job job) {
        long limitNs = timeLimitMs > 0 ? System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeLimitMs) : Long.MAX_VALUE;
        long graceEndNs = Long.MAX_VALUE;
        boolean failed = false;
        try {
            while (!job.awaitEnd(POLL_MS)) {
                if (System.nanoTime() - limitNs > 0) {
                    outlived(job);
                    return Outcome.OUTLIVED;
                }
                if (!failed) {
                    Failure failure = job.failure();
                    if (failure != null) {
                        failed = true;
                        err.println("bindrun: " + failure.message() + "; stopping the "
                            + (failure.stopNow() ? "job" : "others"));
                        if (failure.stopNow()) {
                            job.stop();
                            return Outcome.STOPPED_AFTER_FAILURE;
                        }
                        graceEndNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(graceMs);
                    }
                } else if (System.nanoTime() - graceEndNs > 0) {
                    err.println("bindrun: ranks still running " + graceMs + " ms after the failure; stopping the job");
                    job.stop();
                    return Outcome.STOPPED_AFTER_FAILURE;
                }
            }
            return Outcome.ENDED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Outcome.INTERRUPTED;
        }
    }

    private void outlived(Job job) throws InterruptedException {
        err.println("bindrun: the job outlived its time limit of " + timeLimitMs + " ms; the stacks of every"
            + " rank still running follow, then the ranks are stopped");
        job.dumpStacks();
        job.awaitEnd(stackDumpWaitMs);   // the dumps travel through the output pumps meanwhile
        job.stop();
    }

    /** Sends signal {@code name} to {@code pid} with kill(1); false when it could not. */
    static boolean signal(String name, long pid) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return kill.waitFor(5, TimeUnit.SECONDS) && kill.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Destroys {@code processes} and their descendants (SIGTERM), waits up to {@link #DESTROY_WAIT_MS} for all of
     * them, then kills what is left. Any thread.
     */
    static void destroy(List<ProcessHandle> processes) {
        List<ProcessHandle> all = new java.util.ArrayList<>();
        for (ProcessHandle process : processes) {
            process.descendants().forEach(all::add);
            all.add(process);
        }
        all.forEach(ProcessHandle::destroy);
        long deadlineNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DESTROY_WAIT_MS);
        for (ProcessHandle handle : all) {
            long leftMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime()));
            handle.onExit().completeOnTimeout(handle, leftMs, TimeUnit.MILLISECONDS).join();
            if (handle.isAlive()) {
                handle.destroyForcibly();
                handle.onExit().completeOnTimeout(handle, DESTROY_WAIT_MS, TimeUnit.MILLISECONDS).join();
            }
        }
    }

    /** " (signal k)" for an exit status that says a signal ended the process, else "". */
    static String describe(int exit) {
        return exit > 128 && exit < 160 ? " (signal " + (exit - 128) + ")" : "";
    }
}
