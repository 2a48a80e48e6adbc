package org.bind.mpi.launch;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's heartbeat in the job directory, as a rank on another host sees it: not gone while the launcher
 * beats, gone once the beat stops changing for the timeout, and gone at once when the job directory is removed.
 */
class LauncherBeatTest {
    private static final long WAIT_S = 30;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldTakeTheLauncherForGoneOnlyOnceItsBeatHasStopped(@TempDir Path dir) throws Exception {
        Path status = Files.createDirectory(dir.resolve("status"));
        Thread beat = LauncherBeat.start(status, 100);
        CompletableFuture<String> gone = new CompletableFuture<>();
        Thread watch = LauncherBeat.watch(status, LauncherBeat.TIMEOUT_MS_DEFAULT, gone::complete);
        try {
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
            while (beats(status) < 30) {   // 3 s of beats, as long as the timeout
                assertTrue(System.nanoTime() < deadlineNs, () -> "the launcher wrote " + beats(status)
                    + " beats in " + WAIT_S + " s\n" + Threads.dump());
                Thread.sleep(20);
            }
            assertFalse(gone.isDone(), () -> "taken for gone while it beats: " + gone.getNow(""));
            beat.interrupt();
            beat.join();
            String why = Threads.await(gone, WAIT_S);
            assertTrue(why.contains("has not changed for " + LauncherBeat.TIMEOUT_MS_DEFAULT + " ms"), why);
        } finally {
            beat.interrupt();
            watch.interrupt();
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldTakeTheLauncherForGoneAtOnceWhenTheJobDirectoryIsRemoved(@TempDir Path dir) throws Exception {
        Path status = Files.createDirectory(dir.resolve("status"));
        Thread beat = LauncherBeat.start(status, 100);
        CompletableFuture<String> gone = new CompletableFuture<>();
        // a timeout far beyond the wait below: only the removal can end the watch in time
        Thread watch = LauncherBeat.watch(status, TimeUnit.SECONDS.toMillis(10 * WAIT_S), gone::complete);
        try {
            beat.interrupt();
            beat.join();
            assertTrue(StatusDirectory.deleteTree(status));
            String why = Threads.await(gone, WAIT_S);
            assertTrue(why.contains("was removed"), why);
        } finally {
            watch.interrupt();
        }
    }

    private static long beats(Path status) {
        try {
            return Long.parseLong(Files.readString(status.resolve(LauncherBeat.FILE)).trim());
        } catch (IOException | NumberFormatException e) {
            return -1;   // being replaced
        }
    }
}
