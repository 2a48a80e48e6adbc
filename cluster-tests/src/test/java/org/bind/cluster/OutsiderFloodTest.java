package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.agrona.IoUtil;
import org.bind.mpi.launch.ProcessLauncher;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An outsider process without the secret ({@link OutsiderFlood}: its own media driver, two sessions per rank)
 * floods every rank of a 3-process job ({@link OutsiderFloodProgram}) with messages of every type byte, random,
 * truncated and oversized, HELLOs and proofs in every rank's name and rejections, from before the ranks start their
 * transports until they have finished. The job must complete with the right result, and every rank must have
 * dropped and counted what reached it (never more than the fragments the outsider sent it, plus a few that the
 * handshake itself may drop). The ranks are put on UDP, each with its own driver, as ranks on different hosts are
 * (same-host ranks share a driver in a directory only the job's user can open, which an outsider cannot reach).
 */
@Tag("cluster")
@ExtendWith(DumpJobsOnTimeout.class)
class OutsiderFloodTest {
    private static final int RANKS = 3;
    private static final long HANDSHAKE_SLACK = 8;
    private static final Pattern RESULT = Pattern.compile(
        "^\\[rank (\\d)] rank \\1 (ok|WRONG) dropped=(\\d+) rejected=(\\d+) errors=(\\d+)$");
    private static final Pattern SENT = Pattern.compile("^outsider to rank (\\d) messages (\\d+) fragments (\\d+)$");

    @Test
    @Timeout(value = 240, unit = TimeUnit.SECONDS)
    void shouldCompleteTheJobWhileAnOutsiderFloodsEveryRankFromBeforeTheStart() throws Exception {
        String replay = System.getProperty("bind.test.seed");
        long seed = replay == null || replay.isBlank() ? new Random().nextLong() : Long.parseLong(replay.trim());
        String what = "seed " + seed + " (replay with -Dbind.test.seed=" + seed + ")";
        Path files = Files.createTempDirectory("bind-outsider-");
        Path go = files.resolve("go");
        Path stop = files.resolve("stop");
        Path outsiderOut = files.resolve("outsider.out");
        Process outsider = null;
        String ipc = ClusterJob.useUdp();
        try {
            ClusterJob job = ClusterJob.start(RANKS, List.of(), OutsiderFloodProgram.class, go.toString());
            List<ClusterJob.RankInfo> ranks = job.awaitRanks(RANKS, Duration.ofSeconds(60));
            assertNotNull(ranks, () -> "the ranks did not start: " + job.report());
            List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command()
                .orElse(System.getProperty("java.home") + File.separator + "bin" + File.separator + "java")));
            command.addAll(ProcessLauncher.AERON_JVM_FLAGS);
            command.addAll(List.of("-Xmx128m", "-cp", System.getProperty("java.class.path"),
                OutsiderFlood.class.getName(), Long.toString(seed), go.toString(), stop.toString(), ranks.get(0).jobId(),
                Integer.toString(RANKS)));
            for (ClusterJob.RankInfo rank : ranks) {
                command.add(Integer.toString(rank.port()));
            }
            outsider = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(outsiderOut.toFile()).start();
            int status = job.await(Duration.ofSeconds(150));
            Files.createFile(stop);
            boolean outsiderEnded = outsider.waitFor(30, TimeUnit.SECONDS);
            String flood = Files.readString(outsiderOut);
            String report = what + "\n" + job.report() + "--- outsider ---\n" + flood;
            assertTrue(outsiderEnded, () -> "the outsider did not stop: " + report);
            assertTrue(flood.contains("outsider ready"), () -> "the outsider did not start: " + report);
            long[] fragments = new long[RANKS];
            for (String line : flood.lines().toList()) {
                Matcher m = SENT.matcher(line);
                if (m.matches()) {
                    fragments[Integer.parseInt(m.group(1))] = Long.parseLong(m.group(3));
                }
            }
            assertEquals(0, status, () -> "launcher status: " + report);
            for (int rank = 0; rank < RANKS; rank++) {
                int r = rank;
                Matcher m = job.out.first(l -> RESULT.matcher(l).matches()
                        && l.startsWith("[rank " + r + "]")).map(l -> RESULT.matcher(l.text()))
                    .orElseThrow(() -> new AssertionError("rank " + r + " printed no result: " + report));
                assertTrue(m.matches());
                assertEquals("ok", m.group(2), () -> "rank " + r + "'s result: " + report);
                long dropped = Long.parseLong(m.group(3));
                assertTrue(fragments[r] > 0, () -> "the outsider sent rank " + r + " nothing: " + report);
                assertTrue(dropped > 0, () -> "rank " + r + " counted no drop: " + report);
                assertTrue(dropped <= fragments[r] + HANDSHAKE_SLACK, () -> "rank " + r + " dropped " + dropped
                    + " messages, more than the " + fragments[r] + " fragments the outsider sent it: " + report);
                assertEquals("0", m.group(5), () -> "rank " + r + "'s transport errors: " + report);
            }
            String all = job.out.text() + job.err.text();
            assertFalse(all.contains("OutOfMemoryError") || all.contains("Aeron error"), () -> "errors: " + report);
            ClusterJob.assertNothingLeft(ranks, what);
            System.out.println("outsider flood: " + what + ", " + flood.lines().filter(l -> SENT.matcher(l).matches())
                .toList() + "; " + job.out.lines().stream().map(Lines.Line::text).filter(t -> RESULT.matcher(t)
                .matches()).toList());
        } finally {
            ClusterJob.restoreIpc(ipc);
            if (outsider != null && outsider.isAlive()) {
                outsider.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            IoUtil.delete(files.toFile(), true);
        }
    }
}
