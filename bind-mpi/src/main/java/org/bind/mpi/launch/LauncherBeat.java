package org.bind.mpi.launch;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * The MPJ launcher's heartbeat in the job's status directory, for the ranks that cannot watch its process (ranks of
 * {@code --machines} on another host than the launcher's): the launcher rewrites {@value #FILE} with a new count
 * every {@value #PERIOD_MS} ms ({@link #start}); such a rank reads it every {@value #POLL_MS} ms ({@link #watch}) and
 * takes the launcher for gone when the count has not changed for {@value #TIMEOUT_MS_PROP_NAME} ms (default
 * {@value #TIMEOUT_MS_DEFAULT}: the launcher's host died, or the launcher was killed with the process that cleans up
 * after it), or at once when the job directory has been removed (the launcher ended, or was killed and its
 * {@link JobReaper} removed the directory). Only the rank's own clock is used: the hosts' clocks need not agree.
 *
 * <p>The job directory must be on a file system every host shares (as {@code --machines} requires); a file system
 * that caches what other hosts wrote for longer than the timeout (NFS attribute caching, {@code actimeo}) needs a
 * longer timeout ({@code -J-D}{@value #TIMEOUT_MS_PROP_NAME}{@code =}).
 */
final class LauncherBeat {
    /** The heartbeat file in the status directory. */
    static final String FILE = "launcher-beat";
    static final long PERIOD_MS = 500;
    static final long POLL_MS = 250;
    static final String TIMEOUT_MS_PROP_NAME = "bind.launcher.timeout.ms";
    static final long TIMEOUT_MS_DEFAULT = 3_000;

    private LauncherBeat() {
    }

    /**
     * Writes the first beat into {@code statusDir}, then a new one every {@code periodMs} ms on a daemon thread until
     * the returned thread is interrupted. The launcher's thread.
     */
    static Thread start(Path statusDir, long periodMs) {
        Path file = statusDir.resolve(FILE);
        StatusDirectory.write(file, "0");
        Thread beat = new Thread(() -> {
            long count = 0;
            try {
                while (!Thread.currentThread().isInterrupted()) {
                    TimeUnit.MILLISECONDS.sleep(periodMs);
                    if (!Files.isDirectory(statusDir) || !StatusDirectory.write(file, Long.toString(++count))) {
                        return;   // the job directory is being removed: the job is over
                    }
                }
            } catch (InterruptedException e) {
                // stopped by the launcher
            }
        }, "bind-mpj-launcher-beat");
        beat.setDaemon(true);
        beat.start();
        return beat;
    }

    /** The rank's timeout: {@value #TIMEOUT_MS_PROP_NAME}, else {@value #TIMEOUT_MS_DEFAULT}. */
    static long timeoutMs() {
        long timeoutMs = Long.getLong(TIMEOUT_MS_PROP_NAME, TIMEOUT_MS_DEFAULT);
        if (timeoutMs < 2 * PERIOD_MS) {
            throw new IllegalArgumentException(TIMEOUT_MS_PROP_NAME + "=" + timeoutMs + " must be at least "
                + 2 * PERIOD_MS + " (the launcher beats every " + PERIOD_MS + " ms)");
        }
        return timeoutMs;
    }

    /**
     * Watches the launcher's beat in {@code statusDir} on a daemon thread; calls {@code onGone} with the reason, once,
     * when the beat has not changed for {@code timeoutMs} or the directory is gone. Returns the thread.
     */
    static Thread watch(Path statusDir, long timeoutMs, Consumer<String> onGone) {
        Path file = statusDir.resolve(FILE);
        Thread watch = new Thread(() -> {
            String last = read(file);
            long changedNs = System.nanoTime();
            try {
                while (true) {
                    TimeUnit.MILLISECONDS.sleep(POLL_MS);
                    if (!Files.isDirectory(statusDir)) {
                        onGone.accept("the job directory " + statusDir.getParent() + " was removed");
                        return;
                    }
                    String now = read(file);
                    if (now != null && !now.equals(last)) {
                        last = now;
                        changedNs = System.nanoTime();
                    } else if (System.nanoTime() - changedNs > TimeUnit.MILLISECONDS.toNanos(timeoutMs)) {
                        onGone.accept("its heartbeat in " + file + " has not changed for " + timeoutMs + " ms ("
                            + TIMEOUT_MS_PROP_NAME + ")");
                        return;
                    }
                }
            } catch (InterruptedException e) {
                // stopped
            }
        }, "bind-launcher-beat-watch");
        watch.setDaemon(true);
        watch.start();
        return watch;
    }

    /** The beat's text, or null when it cannot be read now (being replaced, or not written yet). */
    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }
}
