package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.bind.mpi.launch.ProcessLauncher;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code --time-limit 20s} on a 3-process job whose rank 1 runs an op that never ends ({@link StuckProgram}): the
 * launcher makes every rank print its stacks (rank 1's show the looping op), stops the job and exits with
 * {@value ProcessLauncher#STATUS_TIME_LIMIT}; nothing is left behind.
 */
@Tag("cluster")
@ExtendWith(DumpJobsOnTimeout.class)
class TimeLimitTest {
    private static final int RANKS = 3;

    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS)
    void shouldEndAJobThatOutlivesItsTimeLimitAfterPrintingEveryRanksStacks() throws Exception {
        ClusterJob job = ClusterJob.start(RANKS, List.of("--time-limit", "20s"), StuckProgram.class, "spin");
        List<ClusterJob.RankInfo> ranks = job.awaitRanks(RANKS, Duration.ofSeconds(60));
        assertNotNull(ranks, () -> "the ranks did not start: " + job.report());
        int status = job.await(Duration.ofSeconds(90));
        String report = job.report();
        assertEquals(ProcessLauncher.STATUS_TIME_LIMIT, status, () -> "launcher status: " + report);
        assertTrue(job.err.text().contains("bindrun: the job outlived its time limit of 20000 ms"),
            () -> "no time-limit message: " + report);
        for (int rank = 0; rank < RANKS; rank++) {
            String tag = "[rank " + rank + "] ";
            String joined = tag + "rank " + rank + " joined";
            assertTrue(job.out.first(l -> l.equals(joined)).isPresent(), () -> "missing '" + joined + "': " + report);
            assertTrue(job.out.first(l -> l.startsWith(tag + "Full thread dump")).isPresent(),
                () -> tag + "printed no stacks: " + report);
        }
        assertTrue(job.out.first(l -> l.startsWith("[rank 1] ") && l.contains("StuckProgram$Ops.spinForever"))
            .isPresent(), () -> "rank 1's stacks do not show the looping op: " + report);
        ClusterJob.assertNothingLeft(ranks, "time limit");
    }
}
