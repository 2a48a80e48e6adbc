package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.bind.examples.DiffusionExample;
import org.bind.mpi.aeron.AeronSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Jobs launched by Slurm: {@code srun -n N} tasks that join one job as ranks {@code SLURM_PROCID} (the launch of
 * {@code srun -n N bin/bindrun}), on the single-node cluster of {@code bin/setup-slurm}. The diffusion sample prints
 * its known result on 2 and 4 tasks, and on 2 from an {@code sbatch} script; an op failing on ranks 0 and 2 is reported on every rank as under
 * {@code bin/bindrun -np 3} and srun ends with status 1; a task killed by SIGKILL is reported as "rank k lost" by
 * every survivor (the delays are printed; no timing is asserted on this shared machine), srun ends non-zero, and no
 * task, rendezvous file or Aeron directory is left; neither is anything when Slurm stops the job ({@code scancel}:
 * the SIGTERM then SIGKILL of the time limit). Skips, printing why, when Slurm cannot be set up here.
 */
@Tag("cluster")
@Tag("slurm")
@ExtendWith(DumpJobsOnTimeout.class)
class SlurmLaunchTest {
    private static final Duration JOB_LIMIT = Duration.ofSeconds(150);
    private static final long HEARTBEAT_MS = 500;
    private static final long HEARTBEAT_TIMEOUT_MS = 2_000;
    private static final Pattern CAUGHT_FAILURE = Pattern.compile("^\\[rank (\\d+)] rank \\1 round (\\d+) caught"
        + " OpFailedException op=(\\S+) rank=(\\d+) cause=.*$");

    @TempDir
    Path dir;

    private final List<SlurmJob> jobs = new ArrayList<>();

    @AfterEach
    void removeAeronDirectories() throws Exception {
        for (SlurmJob job : jobs) {
            job.removeAeronDir();
        }
    }

    private SlurmJob start(int ranks, Map<String, String> env, Class<?> main, String... args) throws Exception {
        SlurmJob job = SlurmJob.start(ranks, env, dir, main, args);
        jobs.add(job);
        return job;
    }

    @BeforeAll
    @Timeout(value = 660, unit = TimeUnit.SECONDS)
    static void requireSlurm() throws Exception {
        String reason = SlurmJob.unavailable();
        if (reason != null) {
            System.out.println("SlurmLaunchTest skipped: Slurm cannot run jobs here: " + reason);
        }
        assumeTrue(reason == null, () -> "Slurm cannot run jobs here: " + reason);
    }

    @ParameterizedTest(name = "diffusion on srun -n {0}")
    @ValueSource(ints = {2, 4})
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldRunTheDiffusionSampleAsSlurmTasks(int ranks) throws Exception {
        SlurmJob job = start(ranks, Map.of(), DiffusionExample.class);
        int status = job.await(JOB_LIMIT);
        ExampleRuns.assertKnownResult(status, job.out.text(), ExampleRuns.expectedDiffusion(), job.report());
        assertFalse(job.out.text().contains("[rank 1] mass"), () -> "only rank 0 prints the result\n" + job.report());
        job.assertNothingLeft(List.of(), "diffusion on " + ranks + " tasks");
    }

    /** README's line, {@code srun -n N --overcommit --label bin/bindrun --example diffusion}, as a user runs it. */
    @ParameterizedTest(name = "srun -n {0} bin/bindrun --example diffusion")
    @ValueSource(ints = {2, 4})
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldRunTheDiffusionSampleThroughBindrun(int ranks) throws Exception {
        SlurmJob job = SlurmJob.start(ranks, 5, Map.of("BIND_BUILD", "never"), dir, List.of(bindrun(), "--workers",
            "1", "--example", "diffusion"));
        jobs.add(job);
        int status = job.await(JOB_LIMIT);
        ExampleRuns.assertKnownResult(status, job.out.text(), ExampleRuns.expectedDiffusion(), job.report());
        job.assertNothingLeft(List.of(), "srun -n " + ranks + " bin/bindrun --example diffusion");
    }

    /**
     * Slurm's own time limit ({@code srun --time 1}: one minute) on a job that would run 10 minutes, launched through
     * {@code bin/bindrun}: Slurm sends every task SIGTERM at the limit (SIGKILL {@code KillWait} seconds later); srun
     * ends non-zero saying the step was cancelled for its time limit, and no task, rendezvous file or Aeron
     * directory is left. Tagged {@code wide} ({@code mvn -Pwide}): Slurm's limits count in minutes, so it takes
     * over a minute of the default run's time.
     */
    @Test
    @Tag("wide")
    @Timeout(value = 300, unit = TimeUnit.SECONDS)
    void shouldEndTheJobCleanlyAtSlurmsTimeLimit() throws Exception {
        SlurmJob job = SlurmJob.start(3, 1, Map.of("BIND_BUILD", "never"), dir, List.of(bindrun(), "--workers", "1",
            "-cp", ContainerFaultTest.testClasses(), RankLossProgram.class.getName(), "600"));
        jobs.add(job);
        List<ClusterJob.RankInfo> ranks = job.awaitRanks(3, Duration.ofSeconds(90));
        if (ranks == null) {
            job.dumpAndCancel();
            throw new AssertionError("the 3 tasks did not start\n" + job.report());
        }
        // the limit (60 s) plus slurmctld's check of time limits (every 30 s) plus KillWait, and time for the load
        int status = job.await(Duration.ofSeconds(200));
        String report = job.report();
        assertNotEquals(0, status, () -> "srun status at the time limit: " + report);
        assertTrue(job.err.text().contains("DUE TO TIME LIMIT"), () -> "srun did not report the time limit: " + report);
        assertFalse(job.out.text().contains("WRONG"), () -> "a rank computed a wrong sum: " + report);
        job.assertNothingLeft(ranks, "Slurm's time limit");
    }

    private static String bindrun() {
        return MpjHome.projectRoot().resolve("bin/bindrun").toString();
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldRunTheSameLineInAnSbatchScript() throws Exception {
        ChildJob.Result result = SlurmJob.batch(2, dir, JOB_LIMIT, DiffusionExample.class);
        ExampleRuns.assertKnownResult(result.status(), result.output(), ExampleRuns.expectedDiffusion(),
            result.output());
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldReportAnOpFailureOnEveryTask() throws Exception {
        SlurmJob job = start(3, Map.of(), OpFailureProgram.class, "0,2");
        int status = job.await(JOB_LIMIT);
        String report = job.report();
        int[] failing = {0, 2};
        for (int round = 0; round < failing.length; round++) {
            Map<Integer, Integer> reported = new TreeMap<>();
            for (Lines.Line line : job.out.lines()) {
                Matcher m = CAUGHT_FAILURE.matcher(line.text());
                if (m.matches() && Integer.parseInt(m.group(2)) == round) {
                    assertEquals("FailingOps.explode", m.group(3), report);
                    reported.put(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(4)));
                }
            }
            int expected = failing[round];
            assertEquals(Map.of(0, expected, 1, expected, 2, expected), reported, () -> "round " + expected
                + ": the failing rank every rank reported\n" + report);
        }
        assertFalse(job.out.text().contains("WRONG") || job.out.text().contains("sync returned"), report);
        assertEquals(1, status, () -> "srun status (bin/bindrun -np 3 exits with 1 too)\n" + report);
        job.assertNothingLeft(List.of(), "op failures");
    }

    @Test
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldLeaveNothingWhenSlurmStopsTheJob() throws Exception {
        SlurmJob job = start(3, Map.of(), RankLossProgram.class, "600");
        List<ClusterJob.RankInfo> ranks = job.awaitRanks(3, Duration.ofSeconds(90));
        if (ranks == null) {
            job.dumpAndCancel();
            throw new AssertionError("the 3 tasks did not start\n" + job.report());
        }
        Thread.sleep(1_000);   // into the busy loop
        assertFalse(job.ended(), () -> "the job ended before it was cancelled\n" + job.report());
        job.cancel();   // what the time limit does: SIGTERM to every task, SIGKILL after KillWait
        int status = job.await(Duration.ofSeconds(60));
        assertNotEquals(0, status, () -> "srun status after scancel: " + job.report());
        assertFalse(job.out.text().contains("WRONG"), () -> "a rank computed a wrong sum: " + job.report());
        job.assertNothingLeft(ranks, "scancel");
    }

    @ParameterizedTest(name = "SIGKILL to task {0} of 3")
    @ValueSource(ints = {0, 2})
    @Timeout(value = 180, unit = TimeUnit.SECONDS)
    void shouldReportAKilledTaskOnEverySurvivor(int victim) throws Exception {
        Map<String, String> heartbeats = Map.of(AeronSettings.HEARTBEAT_ENV, Long.toString(HEARTBEAT_MS),
            AeronSettings.HEARTBEAT_TIMEOUT_ENV, Long.toString(HEARTBEAT_TIMEOUT_MS));
        SlurmJob job = start(3, heartbeats, RankLossProgram.class, "60");
        List<ClusterJob.RankInfo> ranks = job.awaitRanks(3, Duration.ofSeconds(90));
        if (ranks == null) {
            job.dumpAndCancel();
            throw new AssertionError("the 3 tasks did not start\n" + job.report());
        }
        Thread.sleep(1_000);   // into the busy loop
        assertFalse(job.ended(), () -> "the job ended before the signal\n" + job.report());
        long signalNs = System.nanoTime();
        assertTrue(ClusterJob.signal("KILL", ranks.get(victim).pid()), "kill -KILL failed");
        int status = job.await(Duration.ofMillis(HEARTBEAT_TIMEOUT_MS + 60_000));
        long endMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - signalNs);
        List<Long> reportedMs = new ArrayList<>();
        String report = "SIGKILL to rank " + victim + "\n" + job.report();
        for (ClusterJob.RankInfo rank : ranks) {
            if (rank.rank() == victim) {
                continue;
            }
            String tag = "[rank " + rank.rank() + "] ";
            Optional<Lines.Line> lost = job.err.first(l -> l.startsWith(tag) && l.contains("Exception"));
            assertTrue(lost.isPresent() && lost.get().text().contains("rank " + victim + " lost"), () -> "rank "
                + rank.rank() + " did not fail with 'rank " + victim + " lost' first: " + report);
            reportedMs.add(TimeUnit.NANOSECONDS.toMillis(lost.get().arrivedNs() - signalNs));
        }
        assertFalse(job.out.text().contains("WRONG"), () -> "a rank computed a wrong sum: " + report);
        assertNotEquals(0, status, () -> "srun status: " + report);
        job.assertNothingLeft(ranks, "SIGKILL to rank " + victim);
        System.out.printf("SIGKILL to task %d of 3: survivors reported the loss after %s ms (heartbeat timeout %d ms);"
            + " srun ended after %d ms with status %d%n", victim, reportedMs, HEARTBEAT_TIMEOUT_MS, endMs, status);
    }
}
