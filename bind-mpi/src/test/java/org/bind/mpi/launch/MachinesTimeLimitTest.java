package org.bind.mpi.launch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.bind.mpi.mpj.MpjInstallation;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --machines} with {@code --time-limit}: the ranks run under an MPJ daemon the launcher did not start (here one
 * on this host, listed as {@code localhost}, as a cluster's daemons would be), so the launcher cannot signal them; it
 * asks them through the job directory, every rank prints its stacks (rank 1's show the looping op) and the launcher
 * exits with 124, leaving no rank running.
 */
@Tag("cluster")
class MachinesTimeLimitTest {
    private static final int RANKS = 2;

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldEndAMachinesJobThatOutlivesItsTimeLimitAfterPrintingEveryRanksStacks(@TempDir Path dir) throws Exception {
        Path daemonDir = Files.createDirectory(dir.resolve("daemon"));
        MpjDaemon daemon = MpjDaemon.start(MpjInstallation.mpjHome(), daemonDir);
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(outBytes, true, StandardCharsets.UTF_8);
        PrintStream err = new PrintStream(errBytes, true, StandardCharsets.UTF_8);
        try {
            Path machines = Files.writeString(dir.resolve("machines"), "localhost\n");
            Path jobs = Files.createDirectory(dir.resolve("jobs"));
            String[] args = {"-np", Integer.toString(RANKS), "--mpj-home", daemon.home().toString(), "--machines",
                machines.toString(), "--daemon-port", Integer.toString(daemon.port()), "--jobs-dir", jobs.toString(),
                "--tag-output", "--workers", "1", "--time-limit", "20s", "-cp", System.getProperty("java.class.path"),
                "--", SpinProgram.class.getName()};
            CompletableFuture<Integer> status = CompletableFuture.supplyAsync(() -> MpjLauncher.run(args, out, err));
            int exit;
            try {
                exit = status.get(150, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
                for (ProcessHandle process : ProcessHandle.current().descendants().toList()) {
                    JobSupervisor.signal("QUIT", process.pid());
                }
                Thread.sleep(3_000);
                throw new AssertionError("the job did not end (stacks of every process below)\n" + report(outBytes, errBytes));
            }
            String report = report(outBytes, errBytes);
            assertEquals(JobSupervisor.STATUS_TIME_LIMIT, exit, () -> "launcher status: " + report);
            assertTrue(report.contains("bindrun: the job outlived its time limit of 20000 ms"), report);
            for (int rank = 0; rank < RANKS; rank++) {
                String tag = "[rank " + rank + "] ";
                assertTrue(report.contains(tag + "rank " + rank + " joined"), () -> tag + "did not join: " + report);
                assertTrue(report.contains(tag + "Full thread dump (rank " + rank + ": the job outlived its time limit)"),
                    () -> tag + "printed no stacks: " + report);
            }
            assertTrue(report.lines().anyMatch(l -> l.startsWith("[rank 1] ") && l.contains("SpinProgram$Ops.spin")),
                () -> "rank 1's stacks do not show the looping op: " + report);
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (!daemon.process().children().toList().isEmpty() && System.nanoTime() < deadlineNs) {
                Thread.sleep(50);
            }
            List<ProcessHandle> left = daemon.process().children().toList();
            assertTrue(left.isEmpty(), () -> "ranks still running under the daemon: " + left + "\n" + report);
            try (var files = Files.list(jobs)) {
                assertEquals(List.of(), files.toList(), "the job directory is left behind");
            }
        } finally {
            daemon.stop();
        }
    }

    private static String report(ByteArrayOutputStream out, ByteArrayOutputStream err) {
        synchronized (out) {
            synchronized (err) {
                return "--- stdout ---\n" + out.toString(StandardCharsets.UTF_8) + "--- stderr ---\n"
                    + err.toString(StandardCharsets.UTF_8);
            }
        }
    }
}
