package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.bind.mpi.launch.InProcLauncher;
import org.bind.mpi.launch.ProcessLauncher;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --time-limit} on a 3-rank job whose rank 1 runs an op that never ends ({@link StuckProgram}), for every
 * launcher (processes over Aeron, MPJ Express, ranks in one JVM): the launcher makes every rank print its stacks
 * (rank 1's show the looping op), stops the job and exits with {@value ProcessLauncher#STATUS_TIME_LIMIT}; nothing
 * is left behind.
 */
@Tag("cluster")
@ExtendWith(DumpJobsOnTimeout.class)
class TimeLimitTest {
    private static final int RANKS = 3;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldEndAJobThatOutlivesItsTimeLimitAfterPrintingEveryRanksStacks() throws Exception {
        ClusterJob job = ClusterJob.start(RANKS, List.of("--time-limit", "10s"), StuckProgram.class, "spin");
        assertEndedWithStacks(job, job.out, "Full thread dump", 10_000);
    }

    /**
     * Under MPJ Express the launcher cannot signal the ranks (MPJ's daemons start them, on other hosts with
     * {@code --machines}): it asks them through the job's status directory, and each rank prints its own stacks.
     */
    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldEndAnMpjJobThatOutlivesItsTimeLimitAfterPrintingEveryRanksStacks(@TempDir Path jobs) throws Exception {
        ClusterJob job = ClusterJob.startMpj(MpjHome.get(), jobs, RANKS, List.of("--time-limit", "20s"),
            StuckProgram.class, "spin");
        assertNotNull(job.awaitRanks(RANKS, Duration.ofSeconds(90)), () -> "the ranks did not start: " + job.report());
        assertJobIdPrivate(jobs, job);
        assertEndedWithStacks(job, job.out, "Full thread dump (rank ", 20_000);
        assertTrue(job.err.text().contains("MPJ Express's daemon cannot be bound to loopback"),
            () -> "no warning about the daemon's exposure: " + job.report());
        try (Stream<Path> left = Files.list(jobs)) {
            assertEquals(List.of(), left.toList(), "the job directory is left behind");
        }
    }

    /** In one JVM ({@code bin/bindrun --transport inproc}) every rank is a thread: one thread dump shows them all. */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldEndAnInProcessJobThatOutlivesItsTimeLimitAfterPrintingItsStacks() throws Exception {
        String classpath = System.getProperty("java.class.path");
        List<String> command = new ArrayList<>(List.of(ChildJob.java(), "-javaagent:" + ChildJob.coreJar(),
            "-Dnet.bytebuddy.safe=true", "-Dbind.workers=1", "-cp", classpath,
            "org.bind.transport.inproc.InProcMain", "-np", Integer.toString(RANKS), "--tag-output", "-cp", classpath,
            StuckProgram.class.getName(), "spin"));
        List<String> arguments = new ArrayList<>(List.of("--time-limit", "8s", "--"));
        arguments.addAll(command);
        Lines out = new Lines();
        Lines err = new Lines();
        long startNs = System.nanoTime();
        int status = InProcLauncher.run(arguments.toArray(String[]::new), out.stream(), err.stream());
        String report = "--- stdout ---\n" + out.text() + "--- stderr ---\n" + err.text();
        assertEquals(ProcessLauncher.STATUS_TIME_LIMIT, status, () -> "launcher status: " + report);
        assertTrue(System.nanoTime() - startNs >= TimeUnit.SECONDS.toNanos(8), () -> "ended before the limit: " + report);
        assertTrue(err.text().contains("bindrun: the job outlived its time limit of 8000 ms"),
            () -> "no time-limit message: " + report);
        for (int rank = 0; rank < RANKS; rank++) {
            String joined = "[rank " + rank + "] rank " + rank + " joined";
            assertTrue(out.first(l -> l.equals(joined)).isPresent(), () -> "missing '" + joined + "': " + report);
        }
        assertTrue(out.first(l -> l.startsWith("Full thread dump")).isPresent(), () -> "no stacks: " + report);
        assertTrue(out.first(l -> l.contains("StuckProgram$Ops.spinForever")).isPresent(),
            () -> "the stacks do not show the looping op: " + report);
        assertTrue(ProcessHandle.current().descendants().noneMatch(ProcessHandle::isAlive),
            () -> "the job's JVM is left running: " + report);
    }

    /**
     * The job id is in a file of the job directory only: the directory is private and not named after it, and no
     * process of the job (launcher's children: daemon, starter, ranks) has it on its command line.
     */
    private static void assertJobIdPrivate(Path jobs, ClusterJob job) throws Exception {
        Path dir;
        try (Stream<Path> dirs = Files.list(jobs)) {
            dir = dirs.filter(d -> d.getFileName().toString().startsWith("bind-mpj-")).findFirst()
                .orElseThrow(() -> new AssertionError("no job directory in " + jobs + ": " + job.report()));
        }
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("job"))));
        String jobId = Files.readString(dir.resolve("job")).trim();
        assertTrue(jobId.matches("[0-9a-f]{1,16}"), () -> "job file holds '" + jobId + "'");
        assertFalse(dir.getFileName().toString().contains(jobId), () -> dir + " is named after the job id " + jobId);
        List<ProcessHandle> processes = ProcessHandle.current().descendants().toList();
        assertTrue(processes.size() >= RANKS + 2, () -> "only " + processes.size() + " processes below the test");
        for (ProcessHandle process : processes) {
            String line = process.info().commandLine().orElse("");
            assertFalse(line.contains(jobId) || line.contains("-Dbind.job="), () -> "the job id " + jobId
                + " is on the command line of process " + process.pid() + ": " + line);
        }
    }

    private static void assertEndedWithStacks(ClusterJob job, Lines stacks, String dumpHeader, long limitMs)
        throws Exception {
        List<ClusterJob.RankInfo> ranks = job.awaitRanks(RANKS, Duration.ofSeconds(90));
        assertNotNull(ranks, () -> "the ranks did not start: " + job.report());
        int status = job.await(Duration.ofSeconds(90));
        String report = job.report();
        assertEquals(ProcessLauncher.STATUS_TIME_LIMIT, status, () -> "launcher status: " + report);
        assertTrue(job.err.text().contains("bindrun: the job outlived its time limit of " + limitMs + " ms"),
            () -> "no time-limit message: " + report);
        for (int rank = 0; rank < RANKS; rank++) {
            String tag = "[rank " + rank + "] ";
            String joined = tag + "rank " + rank + " joined";
            assertTrue(job.out.first(l -> l.equals(joined)).isPresent(), () -> "missing '" + joined + "': " + report);
            assertTrue(stacks.first(l -> l.startsWith(tag + dumpHeader)).isPresent(),
                () -> tag + "printed no stacks: " + report);
        }
        assertTrue(stacks.first(l -> l.startsWith("[rank 1] ") && l.contains("StuckProgram$Ops.spinForever"))
            .isPresent(), () -> "rank 1's stacks do not show the looping op: " + report);
        ClusterJob.assertNothingLeft(ranks, "time limit");
    }
}
