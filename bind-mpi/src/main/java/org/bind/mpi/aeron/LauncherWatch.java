package org.bind.mpi.aeron;

import java.io.File;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;

import org.agrona.IoUtil;

/**
 * Ends a rank whose launcher is gone. A launcher that starts ranks as its child processes names itself in
 * {@value #LAUNCHER_PID_ENV}; a daemon thread of the rank checks every {@value #PERIOD_MS} ms that this process
 * (the same pid and start time, so a reused pid does not count) still runs. When it does not — the launcher was
 * killed by any signal, SIGKILL included, or crashed — the rank says so on stderr and exits with status 1: its exit
 * hook closes the transport and deletes its Aeron directory, which nobody else would remove now; the directory of the
 * media driver the launcher ran for the job's ranks ({@value AeronSettings#SHARED_DIR_ENV}), gone with it, is deleted
 * first (by every rank: whichever comes first removes it, the others find nothing). If the exit does not
 * complete within {@value #HALT_AFTER_MS} ms (a hook that hangs), the JVM is halted.
 *
 * <p>Ranks that MPJ Express started for a launcher of this host ({@code bin/bindrun --transport mpj}) are not its
 * children; the launcher names itself in properties instead, and {@code MpjRankMain} starts the same watch
 * ({@link #watchPid}).
 *
 * <p>Thread safe; {@link #start} or {@link #watchPid} once per process.
 */
public final class LauncherWatch {
    static final String LAUNCHER_PID_ENV = AeronTransportFactory.LAUNCHER_PID_ENV;
    static final long PERIOD_MS = 250;
    static final long HALT_AFTER_MS = 2_000;

    private LauncherWatch() {
    }

    /** Starts watching the launcher {@code environment} names, if any; does nothing otherwise. */
    static void start(Map<String, String> environment, int rank) {
        String text = environment.get(LAUNCHER_PID_ENV);
        if (text == null || text.isBlank()) {
            return;
        }
        long pid;
        try {
            pid = Long.parseLong(text.trim());
        } catch (NumberFormatException e) {
            throw new org.bind.transport.TransportException(LAUNCHER_PID_ENV + "='" + text + "' is not a process id");
        }
        begin(pid, Integer.toString(rank), environment.getOrDefault(AeronSettings.SHARED_DIR_ENV, ""));
    }

    /** Ends this rank ({@code rank}, for the message) once the process {@code pid} of this host is gone. */
    public static void watchPid(long pid, String rank) {
        begin(pid, rank, "");
    }

    private static void begin(long pid, String rank, String sharedDir) {
        Optional<Instant> started = ProcessHandle.of(pid).flatMap(p -> p.info().startInstant());
        Thread watch = new Thread(() -> watch(pid, started, rank, sharedDir), "bind-launcher-watch");
        watch.setDaemon(true);
        watch.start();
    }

    private static void watch(long pid, Optional<Instant> started, String rank, String sharedDir) {
        while (alive(pid, started)) {
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
        }
        if (!sharedDir.isEmpty()) {
            IoUtil.delete(new File(sharedDir), true);
        }
        exitRank("bind: rank " + rank + ": its launcher (pid " + pid + ") is gone"
            + (sharedDir.isEmpty() ? "" : ", and with it the job's shared media driver") + "; exiting");
    }

    /**
     * Ends this rank because its launcher is gone: prints {@code message} on stderr and exits with status 1 (the
     * exit hooks close the transport and delete the rank's Aeron directory); halts if the exit has not completed
     * within {@value #HALT_AFTER_MS} ms. Any thread; does not return.
     */
    public static void exitRank(String message) {
        System.err.println(message);
        Thread halt = new Thread(() -> {
            try {
                Thread.sleep(HALT_AFTER_MS);
            } catch (InterruptedException e) {
                // halt now
            }
            Runtime.getRuntime().halt(1);
        }, "bind-launcher-watch-halt");
        halt.setDaemon(true);
        halt.start();
        System.exit(1);
    }

    private static boolean alive(long pid, Optional<Instant> started) {
        Optional<ProcessHandle> process = ProcessHandle.of(pid);
        if (process.isEmpty() || !process.get().isAlive()) {
            return false;
        }
        Optional<Instant> now = process.get().info().startInstant();
        return started.isEmpty() || now.isEmpty() || started.get().equals(now.get());
    }
}
