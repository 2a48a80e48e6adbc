package org.bind.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.agrona.IoUtil;
import org.bind.mpi.aeron.AeronSettings;
import org.bind.mpi.launch.MpjLauncher;
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
 *
 * <p>The same for a job of 4 ranks launched with {@code --machines} on two hosts made of network namespaces (MPJ
 * Express daemons start the ranks, frames go over Aeron UDP, each rank with its own driver, {@code BIND_AERON_IPC=false}):
 * there the ports are chosen at run time, and an outsider
 * on each host ({@link HostOutsider}) learns them from {@code /proc}, as anyone on the host can, and floods every
 * rank's endpoint of its host from the moment the rank listens. So that this is before the ranks connect, UDP
 * between the hosts is cut (an iptables rule in the second host's namespace) until the outsiders flood every rank;
 * each rank says when it connected, each outsider when it first reached it, and the test checks the order.
 */
@Tag("cluster")
@ExtendWith(DumpJobsOnTimeout.class)
class OutsiderFloodTest {
    private static final int RANKS = 3;
    private static final long HANDSHAKE_SLACK = 8;
    private static final Pattern RESULT = Pattern.compile(
        "^\\[rank (\\d)] rank \\1 (ok|WRONG) dropped=(\\d+) rejected=(\\d+) errors=(\\d+)$");
    private static final Pattern SENT = Pattern.compile("^outsider to rank (\\d) messages (\\d+) fragments (\\d+)$");
    private static final int MACHINES_RANKS = 4;
    private static final Pattern MACHINES_SENT = Pattern.compile(
        "^outsider to pid (\\d+) messages (\\d+) fragments (\\d+) first-ns (-?\\d+)$");
    private static final Pattern FLOODING = Pattern.compile("^outsider flooding pid (\\d+) at \\S+$");
    private static final Pattern CONNECTED = Pattern.compile("^\\[rank (\\d)] rank \\1 pid (\\d+) connected-ns (-?\\d+)$");

    @Test
    @Timeout(value = 400, unit = TimeUnit.SECONDS)
    void shouldCompleteAMachinesJobWhileOutsidersOnEveryHostFloodEveryRankFromBeforeItConnects() throws Exception {
        String replay = System.getProperty("bind.test.seed");
        long seed = replay == null || replay.isBlank() ? new Random().nextLong() : Long.parseLong(replay.trim());
        String what = "seed " + seed + " (replay with -Dbind.test.seed=" + seed + ")";
        Path files = Files.createTempDirectory("bind-outsider-machines-");
        Path stop = files.resolve("stop");
        List<Process> outsiders = new ArrayList<>();
        try (MpjHosts cluster = MpjHosts.virtual(files, 2)) {
            assumeTrue(cluster.hosts() != null, () -> "needs hosts made of network namespaces: " + cluster.fallback());
            VirtualHosts hosts = cluster.hosts();
            List<String> cut = List.of("INPUT", "-i", hosts.device(1), "-p", "udp", "-m", "comment", "--comment",
                "bind outsider test", "-j", "DROP");
            iptables(hosts, "-I", cut);
            boolean cutInPlace = true;
            try {
                for (int h = 0; h < 2; h++) {
                    List<String> command = new ArrayList<>(List.of(ChildJob.java()));
                    command.addAll(ProcessLauncher.AERON_JVM_FLAGS);
                    command.addAll(List.of("-Xmx128m", "-cp", System.getProperty("java.class.path"),
                        HostOutsider.class.getName(), Long.toString(seed + h), OutsiderFloodMpjProgram.class.getName(),
                        stop.toString(), Integer.toString(MACHINES_RANKS)));
                    outsiders.add(new ProcessBuilder(cluster.on(h, command)).redirectErrorStream(true)
                        .redirectOutput(files.resolve("outsider-" + h + ".out").toFile()).start());
                }
                List<String> launcherArgs = new ArrayList<>(List.of("-np", Integer.toString(MACHINES_RANKS),
                    "--mpj-home", MpjHome.get().toString(), "--machines", cluster.machines().toString(),
                    "--daemon-port", Integer.toString(cluster.daemonPort()), "--data", "aeron", "--tag-output",
                    "--workers", "1", "--jobs-dir", Files.createDirectories(files.resolve("jobs")).toString(),
                    "-J-D" + RankLossTest.property(AeronSettings.CONNECT_TIMEOUT_ENV) + "=90000",
                    "-cp", System.getProperty("java.class.path"), "--", OutsiderFloodMpjProgram.class.getName()));
                // each rank with its own driver and UDP endpoint, which the outsiders find by its process (ranks that
                // share their host's driver process have their endpoints there)
                ChildJob.Running job = ChildJob.start(cluster.on(0, ChildJob.javaCommand(MpjLauncher.class.getName(),
                    launcherArgs)), files, Map.of(AeronSettings.IPC_ENV, "false"), cluster.daemons());
                long deadlineNs = System.nanoTime() + TimeUnit.SECONDS.toNanos(150);
                while (flooded(files).size() < MACHINES_RANKS) {
                    if (System.nanoTime() > deadlineNs || !job.alive()) {
                        job.stop();
                        throw new AssertionError("the outsiders did not find every rank's endpoint (" + flooded(files)
                            + "): " + what + "\n" + job.output() + outsiderOutput(files));
                    }
                    Thread.sleep(50);
                }
                iptables(hosts, "-D", cut);   // the ranks may connect now, flooded
                cutInPlace = false;
                ChildJob.Result result = job.await(200);
                Files.createFile(stop);
                for (Process outsider : outsiders) {
                    assertTrue(outsider.waitFor(30, TimeUnit.SECONDS), () -> "an outsider did not stop: "
                        + outsiderOutput(files));
                }
                String report = what + "\n" + cluster.describe(result.output()) + outsiderOutput(files);
                assertMachinesFloodSurvived(result, outsiderOutput(files), report);
                System.out.println("outsider flood under --machines: " + what + ", " + outsiderOutput(files).lines()
                    .filter(l -> MACHINES_SENT.matcher(l).matches()).toList() + "; " + result.output().lines()
                    .filter(l -> RESULT.matcher(l).matches()).toList());
            } finally {
                if (cutInPlace) {
                    iptables(hosts, "-D", cut);
                }
            }
        } finally {
            for (Process outsider : outsiders) {
                outsider.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            IoUtil.delete(files.toFile(), true);
        }
    }

    /**
     * Every rank computed the right result, connected only after its outsider's first message reached it, and
     * counted drops, never more than the fragments its outsider sent it (plus the handshake's few); nothing else went
     * wrong.
     */
    private static void assertMachinesFloodSurvived(ChildJob.Result result, String flood, String report) {
        assertEquals(0, result.status(), () -> "launcher status: " + report);
        Map<Long, long[]> sent = new java.util.HashMap<>();   // pid -> fragments, first-ns
        for (String line : flood.lines().toList()) {
            Matcher m = MACHINES_SENT.matcher(line);
            if (m.matches()) {
                sent.put(Long.parseLong(m.group(1)), new long[] {Long.parseLong(m.group(3)), Long.parseLong(m.group(4))});
            }
        }
        for (int rank = 0; rank < MACHINES_RANKS; rank++) {
            String tag = "[rank " + rank + "] ";
            int r = rank;
            Matcher connected = result.output().lines().filter(l -> l.startsWith(tag)).map(l -> CONNECTED.matcher(l))
                .filter(Matcher::matches).findFirst().orElseThrow(() -> new AssertionError("rank " + r
                    + " did not say when it connected: " + report));
            Matcher done = result.output().lines().filter(l -> l.startsWith(tag)).map(l -> RESULT.matcher(l))
                .filter(Matcher::matches).findFirst().orElseThrow(() -> new AssertionError("rank " + r
                    + " printed no result: " + report));
            long pid = Long.parseLong(connected.group(2));
            long[] toRank = sent.get(pid);
            assertNotNull(toRank, () -> "no outsider flooded rank " + r + " (pid " + pid + "): " + report);
            assertEquals("ok", done.group(2), () -> "rank " + r + "'s result: " + report);
            assertTrue(toRank[0] > 0, () -> "the outsider sent rank " + r + " nothing: " + report);
            assertTrue(toRank[1] < Long.parseLong(connected.group(3)), () -> "rank " + r + " connected before the"
                + " outsider's first message: " + report);
            long dropped = Long.parseLong(done.group(3));
            assertTrue(dropped > 0, () -> "rank " + r + " counted no drop: " + report);
            assertTrue(dropped <= toRank[0] + HANDSHAKE_SLACK, () -> "rank " + r + " dropped " + dropped
                + " messages, more than the " + toRank[0] + " fragments the outsider sent it: " + report);
            assertEquals("0", done.group(5), () -> "rank " + r + "'s transport errors: " + report);
        }
        assertFalse(result.output().contains("OutOfMemoryError") || result.output().contains("Aeron error"),
            () -> "errors: " + report);
    }

    /** The pids the outsiders flood so far. */
    private static List<Long> flooded(Path files) {
        return outsiderOutput(files).lines().map(FLOODING::matcher).filter(Matcher::matches)
            .map(m -> Long.parseLong(m.group(1))).distinct().toList();
    }

    private static String outsiderOutput(Path files) {
        StringBuilder all = new StringBuilder();
        for (int h = 0; h < 2; h++) {
            try {
                all.append("--- outsider on host ").append(h).append(" ---\n")
                    .append(Files.readString(files.resolve("outsider-" + h + ".out")));
            } catch (IOException e) {
                all.append("(none: ").append(e.getMessage()).append(")\n");
            }
        }
        return all.toString();
    }

    /** Adds ({@code -I}) or deletes ({@code -D}) {@code rule} in the second host's namespace. */
    private static void iptables(VirtualHosts hosts, String action, List<String> rule)
        throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", hosts.namespace(1), "iptables", "-w",
            action));
        command.addAll(rule);
        VirtualHosts.run(command.toArray(String[]::new));
    }

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
