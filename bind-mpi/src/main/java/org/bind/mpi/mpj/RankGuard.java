package org.bind.mpi.mpj;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ends a rank's JVM that MPJ Express would keep alive after a failure. Under plain {@code mpjrun} (niodev) the
 * program's {@code main} runs on a thread of MPJ's wrapper, which prints what main threw and returns; once
 * {@code MPI.Init} has run, MPJ's own threads are not daemons, so the JVM lives on until {@code MPI.Finalize}, and
 * {@code mpjrun} waits for it forever. Two watches, on a daemon thread armed before {@code MPI.Init}:
 *
 * <ul>
 *   <li>joining: when {@code MPI.Init} and the job id's broadcast have not completed within
 *   {@value #JOIN_TIMEOUT_PROP_NAME} ms (default {@value #JOIN_TIMEOUT_MS_DEFAULT}), a rank failed or exited
 *   before {@code Bind.init}, or never started (MPJ waits for every rank in {@code MPI.Init}): this rank says so
 *   and halts with status 1. What follows either completes or throws (a rank that fails later tells the others
 *   in the data plane's exchange; Aeron's handshake has its own timeout);</li>
 *   <li>leaving: when the thread that called {@code Bind.init} has ended and, {@value #EXIT_GRACE_MS} ms later, the
 *   JVM still runs although MPJ was not finalized (join failed, a rank was lost, Bind was never closed), this rank
 *   says so and halts with status 1. A rank that closed Bind cleanly finalized MPJ and exits by itself.</li>
 * </ul>
 *
 * <p>Not armed under the multicore device, whose ranks are threads of one JVM.
 */
final class RankGuard {
    static final String JOIN_TIMEOUT_PROP_NAME = "bind.mpj.join.timeout.ms";
    static final long JOIN_TIMEOUT_MS_DEFAULT = 30_000;
    static final long EXIT_GRACE_MS = 2_000;
    private static final CountDownLatch JOINED = new CountDownLatch(1);
    private static volatile boolean finalized;
    private static volatile boolean armed;

    private RankGuard() {
    }

    /** Starts the watches for {@code program}, the thread calling {@code Bind.init}; once per JVM. */
    static synchronized void arm(String rank, Thread program) {
        if (armed) {
            return;
        }
        armed = true;
        long joinTimeoutMs = Long.getLong(JOIN_TIMEOUT_PROP_NAME, JOIN_TIMEOUT_MS_DEFAULT);
        if (joinTimeoutMs < 1) {
            throw new IllegalArgumentException(JOIN_TIMEOUT_PROP_NAME + " " + joinTimeoutMs + " must be positive");
        }
        Thread watch = new Thread(() -> watch(rank, program, joinTimeoutMs), "bind-mpj-guard");
        watch.setDaemon(true);
        watch.start();
    }

    /** Every rank has reached {@code MPI.Init}. */
    static void joined() {
        JOINED.countDown();
    }

    /** {@code MPI.Finalize} returned: the JVM ends by itself once main has. */
    static void finalized() {
        finalized = true;
    }

    private static void watch(String rank, Thread program, long joinTimeoutMs) {
        try {
            boolean joined = JOINED.await(joinTimeoutMs, TimeUnit.MILLISECONDS);
            if (!joined && program.isAlive()) {
                halt("rank " + rank + ": the MPJ job was not joined within " + joinTimeoutMs + " ms (" + JOIN_TIMEOUT_PROP_NAME
                    + "): a rank failed or exited before Bind.init, or did not start (its output says which); ending"
                    + " this JVM so that mpjrun returns");
            }
            program.join();
            Thread.sleep(EXIT_GRACE_MS);
            if (!finalized) {
                halt("rank " + rank + ": main has ended but MPJ was not finalized (" + (joined ? "joining the data"
                    + " plane failed, a rank was lost, or Bind was not closed" : "joining the job failed") + "); ending"
                    + " this JVM, which MPJ's threads would keep alive");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void halt(String message) {
        System.out.flush();
        System.err.println("bind: " + message);
        System.err.flush();
        Runtime.getRuntime().halt(1);
    }
}
