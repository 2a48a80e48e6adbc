package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import org.bind.mpi.aeron.AeronSettings;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A rank killed (SIGKILL) or frozen (SIGSTOP) at a random point of a busy 3-process job ({@link RankLossProgram}):
 * every surviving rank fails, first of all, with "rank k lost" within the heartbeat timeout plus 2 s of the signal (the
 * requirement; measured from the signal to the survivor's error line reaching the launcher), the launcher exits
 * with the first non-zero status (128 + 9 for a killed rank, the survivors' 1 when the victim was frozen), and no
 * rank process, UDP port or Aeron directory of the job is left.
 *
 * <p>Each seed picks the victim (rank 0 included), the signal and the delay after start-up. The default run tries
 * {@value #DEFAULT_SEEDS} fresh seeds; {@code -Dbind.test.seed=S} replays one; the {@code soak} test (tag
 * {@code soak}, {@code mvn -Psoak}) runs {@code -Dbind.test.soak.seeds=N} (default 100). A seed whose job does not
 * end is a failure (with every rank's stacks), never a retry. {@code -Dbind.test.verbose=true} prints every job's
 * output.
 */
@Tag("cluster")
@ExtendWith(DumpJobsOnTimeout.class)
class RankLossTest {
    private static final int RANKS = 3;
    private static final int DEFAULT_SEEDS = 8;
    private static final long HEARTBEAT_MS = 500;
    private static final long HEARTBEAT_TIMEOUT_MS = 2_000;
    /** The requirement: survivors fail within the heartbeat timeout plus 2 s. */
    private static final long DETECTION_LIMIT_MS = HEARTBEAT_TIMEOUT_MS + 2_000;
    private static final long MAX_DELAY_MS = 3_000;
    private static final int STATUS_KILLED = 128 + 9;
    private static final int STATUS_UNCAUGHT = 1;

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldFailEverySurvivorWithinTheHeartbeatTimeoutWhateverRankIsKilledOrFrozen() throws Exception {
        for (long seed : seeds(DEFAULT_SEEDS)) {
            runSeed(seed);
        }
    }

    @Test
    @Tag("soak")
    @Timeout(value = 12, unit = TimeUnit.HOURS)
    void soakManySeeds() throws Exception {
        for (long seed : seeds(Integer.getInteger("bind.test.soak.seeds", 100))) {
            runSeed(seed);
        }
    }

    /** {@code -Dbind.test.seed=S} alone, else {@code count} fresh seeds. */
    private static List<Long> seeds(int count) {
        String replay = System.getProperty("bind.test.seed");
        if (replay != null && !replay.isBlank()) {
            return List.of(Long.parseLong(replay.trim()));
        }
        Random fresh = new Random();
        List<Long> seeds = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            seeds.add(fresh.nextLong());
        }
        return seeds;
    }

    private static void runSeed(long seed) throws Exception {
        Random random = new Random(seed);
        int victim = random.nextInt(RANKS);
        boolean freeze = random.nextBoolean();
        long delayMs = 100 + random.nextInt((int) MAX_DELAY_MS);
        String what = "seed " + seed + " (replay with -Dbind.test.seed=" + seed + "): " + (freeze ? "SIGSTOP" : "SIGKILL")
            + " to rank " + victim + " " + delayMs + " ms after start-up";
        long startNs = System.nanoTime();
        // the launcher gives the others the heartbeat timeout (read from these flags) plus 3 s to notice the loss
        ClusterJob job = ClusterJob.start(RANKS, List.of(
                "-J-D" + property(AeronSettings.HEARTBEAT_ENV) + "=" + HEARTBEAT_MS,
                "-J-D" + property(AeronSettings.HEARTBEAT_TIMEOUT_ENV) + "=" + HEARTBEAT_TIMEOUT_MS,
                "-J-Dbind.window.ops=16"),
            RankLossProgram.class, "60");
        List<ClusterJob.RankInfo> ranks = job.awaitRanks(RANKS, Duration.ofSeconds(60));
        long victimPid = -1;
        try {
            if (ranks == null) {
                job.await(Duration.ofSeconds(30));
                throw new AssertionError(what + ": the ranks did not start\n" + job.report());
            }
            victimPid = ranks.get(victim).pid();
            Thread.sleep(delayMs);   // the random point of the job to strike at: the seed's choice, not a wait
            assertFalse(job.ended(), () -> what + ": the job ended before the signal\n" + job.report());
            long signalNs;
            if (freeze) {
                assertTrue(ClusterJob.signal("STOP", victimPid), what + ": kill -STOP failed");
                signalNs = System.nanoTime();
            } else {
                assertTrue(ProcessHandle.of(victimPid).orElseThrow().destroyForcibly(), what + ": SIGKILL failed");
                signalNs = System.nanoTime();
            }
            int status = job.await(Duration.ofMillis(DETECTION_LIMIT_MS + HEARTBEAT_TIMEOUT_MS + 3_000 + 30_000));
            String report = what + "\n" + job.report();
            List<Long> reportedMs = new ArrayList<>();
            for (ClusterJob.RankInfo rank : ranks) {
                if (rank.rank() == victim) {
                    continue;
                }
                String tag = "[rank " + rank.rank() + "] ";
                Optional<Lines.Line> lost = job.err.first(l -> l.startsWith(tag) && l.contains("Exception"));
                assertTrue(lost.isPresent() && lost.get().text().contains("rank " + victim + " lost"), () -> "rank "
                    + rank.rank() + " did not fail with 'rank " + victim + " lost' first: " + report);
                long afterMs = TimeUnit.NANOSECONDS.toMillis(lost.get().arrivedNs() - signalNs);
                reportedMs.add(afterMs);
                assertTrue(afterMs <= DETECTION_LIMIT_MS, () -> "rank " + rank.rank() + " reported the loss " + afterMs
                    + " ms after the signal, over the " + DETECTION_LIMIT_MS + " ms allowed: " + report);
            }
            assertFalse(job.out.text().contains("WRONG"), () -> "a rank computed a wrong sum: " + report);
            assertEquals(freeze ? STATUS_UNCAUGHT : STATUS_KILLED, status, () -> "launcher status: " + report);
            ClusterJob.assertNothingLeft(ranks, what);
            if (Boolean.getBoolean("bind.test.verbose")) {
                System.out.println(report);
            }
            System.out.printf("%s: survivors failed after %s ms; launcher status %d; %.1f s in all%n", what,
                reportedMs, status, (System.nanoTime() - startNs) / 1e9);
        } finally {
            if (victimPid > 0 && ProcessHandle.of(victimPid).map(ProcessHandle::isAlive).orElse(false)) {
                ClusterJob.signal("CONT", victimPid);
                ProcessHandle.of(victimPid).ifPresent(ProcessHandle::destroyForcibly);
            }
            if (!job.ended()) {
                ClusterJob.dumpAndKill();
            }
        }
    }

    /** The system property form of a transport setting's environment variable. */
    static String property(String envName) {
        return envName.toLowerCase(java.util.Locale.ROOT).replace('_', '.');
    }
}
