package org.bind.mpi.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reaper of an MPJ launch (a JVM of its own, started as the launcher starts it, this test being the launcher):
 * when its pipe ends without the launcher having cleaned up (what the launcher's death does), it kills the job's
 * processes and their descendants, and a process whose command line names the job's status directory (a rank of
 * this host),
 * removes the job's Aeron directories and the job directory without following the link to MPJ's libraries in it,
 * and leaves another job's Aeron directory alone; after a normal end it finds nothing to do and ends.
 */
class JobReaperTest {
    private static final long WAIT_S = 30;

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldStopTheJobAndRemoveItsFilesWhenItsPipeEndsBeforeTheLauncherCleanedUp(@TempDir Path dir)
        throws Exception {
        Path mpjLib = Files.createDirectory(dir.resolve("mpj-lib"));
        Files.writeString(mpjLib.resolve("mpj.jar"), "MPJ's own");
        Path jobDir = Files.createDirectory(dir.resolve("bind-mpj-job"));
        Files.createSymbolicLink(Files.createDirectories(jobDir.resolve("mpj-home")).resolve("lib"), mpjLib);
        Files.writeString(jobDir.resolve("secret"), "00");
        String prefix = "bind-aeron-reaper-test-" + ProcessHandle.current().pid() + "-";
        Path aeronRoot = Path.of(new File("/dev/shm").isDirectory() ? "/dev/shm" : System.getProperty("java.io.tmpdir"));
        Path aeron = Files.createDirectory(aeronRoot.resolve(prefix + "1"));
        Files.writeString(aeron.resolve("cnc.dat"), "frames");
        Path unrelated = Files.createDirectory(aeronRoot.resolve("bind-aeron-other-" + ProcessHandle.current().pid()));
        // a process of the job with a child that never ends by itself, as MPJ's daemon and a rank that hangs
        Process daemon = new ProcessBuilder("sh", "-c", "sleep 600 & wait").start();
        // a rank that an MPJ daemon of the cluster started, not the launcher: its command line names the job's status
        Process rank = new ProcessBuilder("sh", "-c", "sleep 600; true", "-D" + MpjRankMain.STATUS_DIR_PROP_NAME + "="
            + jobDir.resolve(JobReaper.STATUS_DIR)).start();
        try (JobReaper reaper = JobReaper.start(prefix, jobDir)) {
            reaper.watch(daemon.toHandle());
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
            while (daemon.descendants().findAny().isEmpty()) {
                assertTrue(System.nanoTime() < deadlineNs, "the test's process did not start its child");
                Thread.sleep(20);
            }
            List<ProcessHandle> child = daemon.descendants().toList();
            reaper.endPipe();   // as when the launcher dies: nothing cleaned up
            assertTrue(reaper.process().onExit().completeOnTimeout(null, WAIT_S, TimeUnit.SECONDS).join() != null,
                () -> "the reaper did not end within " + WAIT_S + " s\n" + Threads.dump());
            // killed before the reaper ended; a few seconds for this JVM (or init) to collect them
            assertTrue(daemon.waitFor(10, TimeUnit.SECONDS), "the job's process still runs");
            assertTrue(rank.waitFor(10, TimeUnit.SECONDS), "the rank that names the job directory still runs");
            for (ProcessHandle grandchild : child) {
                assertTrue(grandchild.onExit().completeOnTimeout(null, 10, TimeUnit.SECONDS).join() != null,
                    () -> "its child still runs: " + child);
            }
            assertFalse(Files.exists(jobDir, LinkOption.NOFOLLOW_LINKS), "the job directory is left");
            assertFalse(Files.exists(aeron), "the job's Aeron directory is left");
            assertEquals("MPJ's own", Files.readString(mpjLib.resolve("mpj.jar")), "MPJ's libraries were touched");
            assertTrue(Files.isDirectory(unrelated), "another job's Aeron directory was removed");
        } finally {
            for (Process process : List.of(daemon, rank)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
            }
            StatusDirectory.deleteTree(aeron);
            StatusDirectory.deleteTree(unrelated);
        }
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldSweepOnlyTheJobDirectoriesOfLaunchersOfThisHostThatAreGone(@TempDir Path jobs) throws Exception {
        Process ended = new ProcessBuilder("true").start();
        assertTrue(ended.waitFor(WAIT_S, TimeUnit.SECONDS));
        String host = LaunchOptions.localHostName();
        org.junit.jupiter.api.Assumptions.assumeFalse(host.isEmpty(), "this host has no name: launchers mark nothing");
        String prefix = "bind-aeron-sweep-test-" + ProcessHandle.current().pid() + "-";
        Path aeronRoot = Path.of(new File("/dev/shm").isDirectory() ? "/dev/shm" : System.getProperty("java.io.tmpdir"));
        Path aeron = Files.createDirectory(aeronRoot.resolve(prefix + "0"));
        Path gone = job(jobs, "bind-mpj-gone", host + " " + ended.pid() + " - " + prefix);
        Files.createSymbolicLink(gone.resolve("lib"), Files.createDirectory(jobs.resolve("mpj-lib")));
        Path running = job(jobs, "bind-mpj-running", host + " " + ProcessHandle.current().pid() + " "
            + ProcessHandle.current().info().startInstant().orElseThrow() + " " + prefix);
        Path elsewhere = job(jobs, "bind-mpj-elsewhere", "another-host " + ended.pid() + " - " + prefix);
        Path unmarked = Files.createDirectory(jobs.resolve("bind-mpj-unmarked"));
        java.io.ByteArrayOutputStream said = new java.io.ByteArrayOutputStream();
        try {
            JobReaper.sweep(jobs, new java.io.PrintStream(said, true, java.nio.charset.StandardCharsets.UTF_8));
            assertFalse(Files.exists(gone, LinkOption.NOFOLLOW_LINKS), "the gone launcher's job directory is left");
            assertFalse(Files.exists(aeron), "the gone launcher's Aeron directory is left");
            assertTrue(Files.isDirectory(jobs.resolve("mpj-lib")), "the link was followed");
            for (Path kept : List.of(running, elsewhere, unmarked)) {
                assertTrue(Files.isDirectory(kept), () -> kept + " was removed");
            }
            assertTrue(said.toString().contains("removed what a killed launcher (pid " + ended.pid() + ") left"),
                said::toString);
        } finally {
            StatusDirectory.deleteTree(aeron);
        }
    }

    private static Path job(Path jobs, String name, String launcher) throws java.io.IOException {
        Path dir = Files.createDirectory(jobs.resolve(name));
        Files.writeString(dir.resolve(JobReaper.LAUNCHER_FILE), launcher + "\n");
        return dir;
    }

    @Test
    @Timeout(value = 90, unit = TimeUnit.SECONDS)
    void shouldEndAtOnceWhenTheLauncherHasCleanedUp(@TempDir Path dir) throws Exception {
        Path jobDir = Files.createDirectory(dir.resolve("bind-mpj-job"));
        Process daemon = new ProcessBuilder("sleep", "600").start();
        JobReaper reaper = JobReaper.start("bind-aeron-reaper-test-" + ProcessHandle.current().pid() + "-", jobDir);
        reaper.watch(daemon.toHandle());
        daemon.destroyForcibly().waitFor();           // the launcher's own clean-up
        assertTrue(StatusDirectory.deleteTree(jobDir));
        reaper.endPipe();
        Process ended = reaper.process().onExit().completeOnTimeout(null, WAIT_S, TimeUnit.SECONDS).join();
        assertTrue(ended != null, () -> "the reaper still runs " + WAIT_S + " s after its pipe ended\n" + Threads.dump());
        assertEquals(0, ended.exitValue(), "the reaper's status");
    }
}
