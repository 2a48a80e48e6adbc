package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import org.bind.mpi.aeron.AeronSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Ranks of one host exchange 64 MiB versions over Aeron IPC, through the media driver their launcher runs
 * ({@link LargeTransferProgram}); a rank is killed (SIGKILL) in the middle of it: every survivor fails, first of all,
 * with "rank k lost", the launcher exits with 128 + 9, and nothing of the job is left: no process, no port, nothing
 * under /dev/shm (the shared driver's directory included). The launcher's death, which is the shared driver's, is
 * {@link LauncherDeathTest}'s.
 */
@Tag("cluster")
@ExtendWith(DumpJobsOnTimeout.class)
class SameHostTransferLossTest {
    private static final int RANKS = 3;
    private static final long HEARTBEAT_TIMEOUT_MS = 2_000;
    private static final int STATUS_KILLED = 128 + 9;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldReportARankKilledInTheMiddleOfALargeSameHostTransfer() throws Exception {
        for (int victim : new int[] {1, 0}) {
            strike(victim);
        }
    }

    private static void strike(int victim) throws Exception {
        ClusterJob job = ClusterJob.start(RANKS, List.of(
            "-J-D" + RankLossTest.property(AeronSettings.HEARTBEAT_ENV) + "=500",
            "-J-D" + RankLossTest.property(AeronSettings.HEARTBEAT_TIMEOUT_ENV) + "=" + HEARTBEAT_TIMEOUT_MS,
            "-J-D" + RankLossTest.property(AeronSettings.CONNECT_TIMEOUT_ENV) + "=60000"),
            LargeTransferProgram.class, "64", "90");
        String what = "SIGKILL to rank " + victim + " during 64 MiB same-host transfers";
        List<ClusterJob.RankInfo> ranks = job.awaitRanks(RANKS, Duration.ofSeconds(120));
        try {
            if (ranks == null) {
                job.await(Duration.ofSeconds(30));
                throw new AssertionError(what + ": the ranks did not start\n" + job.report());
            }
            long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!job.out.text().contains("rank 0 moved round 2")) {   // transfers are under way
                assertTrue(System.nanoTime() < deadlineNs && !job.ended(), () -> what
                    + ": no round of transfers within 90 s\n" + job.report());
                Thread.sleep(20);
            }
            assertTrue(ProcessHandle.of(ranks.get(victim).pid()).orElseThrow().destroyForcibly(), what + ": kill");
            int status = job.await(Duration.ofSeconds(60));
            String report = what + "\n" + job.report();
            for (ClusterJob.RankInfo rank : ranks) {
                if (rank.rank() == victim) {
                    continue;
                }
                String tag = "[rank " + rank.rank() + "] ";
                Optional<Lines.Line> lost = job.err.first(l -> l.startsWith(tag) && l.contains("Exception"));
                assertTrue(lost.isPresent() && lost.get().text().contains("rank " + victim + " lost"), () -> "rank "
                    + rank.rank() + " did not fail with 'rank " + victim + " lost' first: " + report);
            }
            assertFalse(job.out.text().contains("WRONG"), () -> "a rank saw a wrong element: " + report);
            assertEquals(STATUS_KILLED, status, () -> "launcher status: " + report);
            ClusterJob.assertNothingLeft(ranks, what);
        } finally {
            if (!job.ended()) {
                ClusterJob.dumpAndKill();
            }
        }
    }
}
